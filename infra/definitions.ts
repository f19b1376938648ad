/**
 * One source of truth for the shape of the stateful resources. The CDK stacks and the local
 * runtime both build their table and queues from these plain objects, so an index or a
 * redrive setting can never differ between a laptop and AWS.
 *
 * Pure data: no CDK or SDK imports, so the local runtime loads it without pulling in CDK.
 */

export type KeyAttribute = { readonly name: string; readonly type: 'S' | 'N' };

export type IndexDefinition = {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** ALL, KEYS_ONLY, or the non-key attributes to include. */
  readonly projection: 'ALL' | 'KEYS_ONLY' | readonly string[];
};

export type TableDefinition = {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly timeToLiveAttribute: string;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
};

export type QueueDefinition = {
  /** Base name; the stage prefix is added by whoever creates it. FIFO names end in .fifo. */
  readonly name: string;
  readonly fifo: boolean;
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
  readonly receiveWaitTimeSeconds: number;
  readonly deadLetter?: { readonly queue: QueueDefinition; readonly maxReceiveCount: number };
};

/** Number of shards for sparse "due" indexes, so one hot partition never takes every write. */
export const DUE_INDEX_SHARDS = 8;

/**
 * Case attributes the byOpenDeadline index carries besides its keys: the fields of a
 * DueCase (functions/lib/workflow/escalation.ts). `escalationFacts` is written by the case
 * store only while the case is in that index.
 */
export const DUE_INDEX_PROJECTION = ['sellerId', 'marketplace', 'status', 'version', 'escalationLevel', 'escalationFacts'] as const;

/**
 * Case attributes the bySellerDue index carries besides its keys: what a seller's listing
 * shows (CaseListingItem in functions/lib/ports/case-listing.ts). `listingSummary` (reason,
 * remedy, confidence) is written by the case store, so the index never copies the return or
 * the decision trace: an entry is a few hundred bytes, not the whole ~15 KB case.
 */
export const SELLER_INDEX_PROJECTION = [
  'caseId',
  'marketplace',
  'marketplaceReturnId',
  'orderId',
  'sellerId',
  'status',
  'priority',
  'escalationLevel',
  'dueAt',
  'assignee',
  'version',
  'createdAt',
  'updatedAt',
  'resolution',
  'refund',
  'listingSummary',
] as const;

export const caseTable = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      // Seller staff listing: all cases of one seller, ordered by their next due time.
      indexName: 'bySellerDue',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      projection: SELLER_INDEX_PROJECTION,
    },
    {
      // Sparse: only open cases with a deadline carry these attributes. Projects what the
      // escalation sweep plans from (a DueCase), so it never reads the case itself.
      indexName: 'byOpenDeadline',
      partitionKey: { name: 'deadlineShard', type: 'S' },
      sortKey: { name: 'deadlineAt', type: 'S' },
      projection: DUE_INDEX_PROJECTION,
    },
    {
      // Sparse: only refunds recorded but not yet acknowledged by the queue. The message is
      // projected so the relay needs no second read per record.
      indexName: 'byPendingOutbox',
      partitionKey: { name: 'outboxShard', type: 'S' },
      sortKey: { name: 'outboxAt', type: 'S' },
      projection: ['caseId', 'refundId', 'createdAt', 'message'],
    },
    {
      // Sparse (#21): only notifications committed with a change and not yet handed to the
      // notification queue; the relay reads it and hands them over in order.
      indexName: 'byUnqueuedNotification',
      partitionKey: { name: 'notifyShard', type: 'S' },
      sortKey: { name: 'notifyAt', type: 'S' },
      projection: ['caseId', 'eventId', 'generation'],
    },
    {
      // Sparse: only REFUND_APPLIED history events, by the day they were paid: what the
      // reconciliation compares with each payment provider's own record (#16).
      indexName: 'byRefundPaid',
      partitionKey: { name: 'paidDay', type: 'S' },
      sortKey: { name: 'paidAt', type: 'S' },
      projection: ['caseId', 'at', 'details'],
    },
  ],
} as const satisfies TableDefinition;

const refundDeadLetterQueue = {
  name: 'refunds-dlq.fifo',
  fifo: true,
  visibilityTimeoutSeconds: 30,
  retentionSeconds: 14 * 24 * 3600,
  receiveWaitTimeSeconds: 0,
} as const satisfies QueueDefinition;

export const refundQueue = {
  name: 'refunds.fifo',
  fifo: true,
  // Six times the worker's timeout, as AWS advises for SQS event sources.
  visibilityTimeoutSeconds: 180,
  retentionSeconds: 4 * 24 * 3600,
  receiveWaitTimeSeconds: 0,
  deadLetter: { queue: refundDeadLetterQueue, maxReceiveCount: 5 },
} as const satisfies QueueDefinition;

const notificationDeadLetterQueue = {
  name: 'notifications-dlq.fifo',
  fifo: true,
  visibilityTimeoutSeconds: 60,
  retentionSeconds: 14 * 24 * 3600,
  receiveWaitTimeSeconds: 0,
} as const satisfies QueueDefinition;

/**
 * Outbound notifications (#21): one message group per case, so a case's notifications are
 * delivered in order. A failed delivery is retried with exponential backoff (the worker sets
 * the message's visibility), then dead-lettered after the last try.
 */
export const notificationQueue = {
  name: 'notifications.fifo',
  fifo: true,
  // Six times the worker's timeout, as AWS advises for SQS event sources.
  visibilityTimeoutSeconds: 180,
  retentionSeconds: 4 * 24 * 3600,
  receiveWaitTimeSeconds: 0,
  deadLetter: { queue: notificationDeadLetterQueue, maxReceiveCount: 8 },
} as const satisfies QueueDefinition;

export const queues = [refundQueue, notificationQueue] as const;
