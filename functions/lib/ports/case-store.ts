import type { CarrierClaimWatch, CaseRecord, HistoryEvent } from '../workflow/case.ts';
import type { OutboxRecord } from '../workflow/decision-step.ts';
import type { NotificationSubject } from '../workflow/notifications.ts';
import type { ClaimDeadlinePatch } from '../workflow/escalation.ts';
import type { ClaimStepFacts } from '../workflow/carrier-claim.ts';

/** Proof that a marketplace delivery was processed, so a retry of it changes nothing. */
export type DeliveryRecord = {
  readonly marketplace: string;
  readonly deliveryId: string;
  readonly caseId: string;
  /** SHA-256 of the raw body: the same id with another body is a conflict, not a retry. */
  readonly payloadHash: string;
  readonly receivedAt: string;
};

/**
 * A marketplace delivery that arrived before the return it is about (a cancellation that
 * overtook its request, a Shopify delta with nothing to merge onto yet). It is kept, not
 * dropped, and replayed through its adapter in the same write that creates the case, so the
 * case is born with it (a cancelled return is born cancelled, and no refund is paid).
 */
export type HeldEvent = {
  readonly caseId: string;
  /** Arrival order among the return's held events, from 1. */
  readonly seq: number;
  readonly marketplace: string;
  readonly deliveryId: string;
  readonly eventType: string;
  readonly receivedAt: string;
  /** The adapter's ParsedDelivery as JSON: what the adapter translates again on replay. */
  readonly parsed: string;
};

/** The events held for a return, with the version that guards them against races. */
export type HeldEvents = {
  /** 0 when nothing was ever held for this return. */
  readonly version: number;
  readonly events: readonly HeldEvent[];
};

/**
 * Holds one early event: written only while the case does not exist and the held events are
 * still at `expectedVersion` (ConcurrentModificationError otherwise: the caller re-reads and
 * finds the case), together with the delivery records (DuplicateDeliveryError on a retry).
 */
export type HoldEventChange = {
  readonly event: HeldEvent;
  readonly expectedVersion: number;
  readonly deliveries: readonly DeliveryRecord[];
  /** Unix seconds after which the held event may be forgotten (DynamoDB TTL). */
  readonly expiresAt: number;
};

/**
 * One atomic change to a case: the new case state, the history it appends and any records
 * that must live or die with it. Either all of it is stored or none of it. The store adds
 * the notifications the change owes (workflow/notifications.ts) to the same write (#21).
 */
export type CaseCommit = {
  /** The new state; its `version` must be `expectedVersion + 1`. */
  readonly next: CaseRecord;
  /** 0 when the case must not exist yet. */
  readonly expectedVersion: number;
  readonly events: readonly HistoryEvent[];
  readonly delivery?: DeliveryRecord;
  /**
   * More delivery ids recorded with `delivery` (same case and hash): keys an adapter derives
   * from what is signed, so a replay under a fresh unsigned id is still a duplicate.
   */
  readonly deliveryAliases?: readonly string[];
  /**
   * Set when the commit creates the case: the held events it consumed. The write is
   * conditional on the held events still being at `version` (none held: still none), so an
   * early event that races the case's creation is either consumed here or finds the case.
   */
  readonly consumeHeld?: { readonly version: number; readonly seqs: readonly number[] };
  /** A refund made due by this change, to be published after the commit. */
  readonly outbox?: OutboxRecord;
  /** An outbox record to delete in the same transaction (its refund was cancelled). */
  readonly clearOutbox?: { readonly caseId: string; readonly refundId: string };
};

/**
 * A change to a case written without reading it first: only the given top-level fields
 * change. It is applied only while the stored case still has `before.version` and
 * `before.dueAt` (absent means: no deadline); otherwise ConcurrentModificationError and
 * nothing is written. Index attributes follow from `before` with the changes applied.
 * For writers that know a case from an index projection (the escalation sweep).
 */
export type CasePatch = {
  readonly before: Pick<CaseRecord, 'caseId' | 'sellerId' | 'status' | 'version' | 'dueAt'> &
    Partial<Pick<CaseRecord, 'escalationLevel'>> & {
      /** The due index entry's facts: a carrier claim to file keeps the case listed (#19). */
      readonly facts?: { readonly claim?: CarrierClaimWatch; readonly claimStep?: ClaimStepFacts; readonly appealPending?: true };
    };
  /** Fields to set; `version` must be `before.version + 1`. */
  readonly set: Partial<Omit<CaseRecord, 'caseId' | 'sellerId' | 'return' | 'decision'>> & Pick<CaseRecord, 'version' | 'updatedAt'>;
  readonly remove: readonly 'dueAt'[];
  readonly events: readonly HistoryEvent[];
  readonly outbox?: OutboxRecord;
  /** Whom the notifications this change owes are about (#21): a patch does not carry the return. */
  readonly subject: NotificationSubject;
};

/** What a history cursor is refused as not issued for (a bad `before` here, a bad cursor in the use case). */
export const HISTORY_CURSOR_SCOPE = 'this case’s history';

/** How much of a case's history to read, newest first (see CaseStore.getHistoryPage). */
export type HistoryPageRequest = {
  /** Only what is older than this position: an earlier page's `older`. */
  readonly before?: string | undefined;
  /** At most this many events. */
  readonly limit: number;
  /** The page stops before its events' JSON passes this many bytes; one event is always returned. */
  readonly maxBytes: number;
};

/** The newest events of a case (or those before a position), oldest first. */
export type HistoryPage = {
  readonly events: HistoryEvent[];
  /** Where the events older than this page start: pass it as `before`. Absent: there are none. */
  readonly older?: string;
};

/**
 * Persistence of cases. Implementations must make `commit` and `patch` atomic and conditional: it
 * throws ConcurrentModificationError when the stored version is not `expectedVersion`, and
 * DuplicateDeliveryError when the delivery was already recorded.
 */
export interface CaseStore {
  getCase(caseId: string): Promise<CaseRecord | undefined>;
  /**
   * One bounded page of the history, newest first by page (what staff read: a long-lived case's
   * history can be far bigger than one response may be).
   * @throws ValidationError naming `cursor` when `before` is not a position this store issued.
   */
  getHistoryPage(caseId: string, request: HistoryPageRequest): Promise<HistoryPage>;
  getDelivery(marketplace: string, deliveryId: string): Promise<DeliveryRecord | undefined>;
  /** Events held for a return that has no case yet, in arrival order. */
  getHeldEvents(caseId: string): Promise<HeldEvents>;
  /** Holds one early event (see HoldEventChange); atomic and conditional like commit. */
  holdEvent(change: HoldEventChange): Promise<void>;
  commit(change: CaseCommit): Promise<void>;
  /** Like commit, for a CasePatch: atomic, conditional, throws ConcurrentModificationError. */
  patch(change: CasePatch): Promise<void>;
  /**
   * A carrier claim's deadline step planned from the due index entry (#19): writes the claim's
   * fields and, at expiry, the ledger without the case having been read; conditional on the
   * version listed and the claim still TO_FILE (ConcurrentModificationError otherwise).
   */
  patchClaim(change: ClaimDeadlinePatch): Promise<void>;
  /** Removes an outbox record once its message is on the queue. */
  clearOutbox(caseId: string, refundId: string): Promise<void>;
  /** Outbox records created before `olderThan`, oldest first per shard, at most `limit`. */
  listPendingOutbox(input: { olderThan: string; limit: number }): Promise<OutboxRecord[]>;
}
