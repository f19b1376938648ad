/**
 * The queue's filter choices: the API's own lists (GET /cases answers 400 naming the filter for
 * anything else). Written out, not imported, so the console bundle carries no server code;
 * test/unit/console-lists.test.ts holds them equal to the API's.
 */
export const STATUSES = [
  'RECEIVED',
  'DECIDED',
  'NEEDS_REVIEW',
  'AWAITING_RETURN',
  'REFUND_PENDING',
  'REFUNDED',
  'REJECTED',
  'CANCELLED',
  'CLOSED',
] as const;

export const PRIORITIES = ['URGENT', 'NORMAL'] as const;
