import type { Priority } from '../contract/priorities.ts';
import type { CaseRecord, CaseStatus, RefundRecord } from '../workflow/case.ts';
import type { ReasonCode } from '../contract/reason-codes.ts';

/** Which of a seller's cases to list; every field narrows, none widens. */
export type CaseListingFilter = {
  readonly statuses?: readonly CaseStatus[];
  readonly reasons?: readonly ReasonCode[];
  readonly priorities?: readonly Priority[];
  /** Assigned to any of these staff user ids; `unassigned` also matches cases nobody holds. */
  readonly assignees?: readonly string[];
  readonly unassigned?: boolean;
  /**
   * Only cases whose next deadline is strictly before this instant, in epoch milliseconds:
   * an instant, not a string, so any instant compares correctly, including ones whose ISO
   * form needs an expanded year (`+010000-…`). Cases without a deadline never match.
   */
  readonly dueBeforeMs?: number;
};

export type CaseListingQuery = {
  /** From the caller's token; the only partition ever read. */
  readonly sellerId: string;
  readonly filter: CaseListingFilter;
  /** Resume strictly after this position (from a previous page's `next`). */
  readonly after?: string;
  /** Page size, 1–100. */
  readonly limit: number;
};

/**
 * What a listing shows of a case: enough to pick one, not the whole record (the full case,
 * with its decision trace, is one GET away). A CaseRecord is one of these.
 */
export type CaseListingItem = Pick<
  CaseRecord,
  | 'caseId'
  | 'marketplace'
  | 'marketplaceReturnId'
  | 'orderId'
  | 'sellerId'
  | 'status'
  | 'priority'
  | 'escalationLevel'
  | 'dueAt'
  | 'assignee'
  | 'version'
  | 'createdAt'
  | 'updatedAt'
> & {
  readonly return: { readonly reason: ReasonCode };
  readonly decision?: { readonly remedy: string; readonly confidence: number };
  readonly resolution?: { readonly remedy: string };
  readonly refund?: { readonly status: RefundRecord['status']; readonly amount: number; readonly currency: string };
};

export type CaseListingPage = {
  /** At most `limit` cases, ordered by next deadline (cases without one last), then case id. */
  readonly items: CaseListingItem[];
  /**
   * Where the next page starts, opaque to callers; absent when nothing follows. A page may be
   * short and still have a `next` (the read budget of one request ran out on filtered items).
   */
  readonly next?: string;
};

/**
 * A seller's cases in due-time order, page by page, from an index (never a scan). Positions
 * are keys in that order, so cases inserted while a client pages are either before its
 * position (not seen) or after it (seen once), and no existing case is skipped or repeated.
 */
export interface CaseListing {
  listBySeller(query: CaseListingQuery): Promise<CaseListingPage>;
  /** Counts the seller's cases matching `filter`, with deadlines judged at `now`. */
  countBySeller(query: { readonly sellerId: string; readonly filter: CaseListingFilter; readonly now: string }): Promise<CaseListingCounts>;
}

/** How many of a seller's cases match a filter, and how many of those are overdue or due within the hour. */
export type CaseListingCounts = {
  readonly matching: number;
  readonly overdue: number;
  readonly dueWithinHour: number;
  /** False when the count stopped at its read budget (MAX_COUNTED entries): the numbers are lower bounds. */
  readonly complete: boolean;
};
