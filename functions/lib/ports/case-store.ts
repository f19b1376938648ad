import type { CaseRecord, HistoryEvent } from '../domain/case.ts';
import type { OutboxRecord } from '../domain/decision-step.ts';

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
 * One atomic change to a case: the new case state, the history it appends and any records
 * that must live or die with it. Either all of it is stored or none of it.
 */
export type CaseCommit = {
  /** The new state; its `version` must be `expectedVersion + 1`. */
  readonly next: CaseRecord;
  /** 0 when the case must not exist yet. */
  readonly expectedVersion: number;
  readonly events: readonly HistoryEvent[];
  readonly delivery?: DeliveryRecord;
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
  readonly before: Pick<CaseRecord, 'caseId' | 'sellerId' | 'status' | 'version' | 'dueAt'>;
  /** Fields to set; `version` must be `before.version + 1`. */
  readonly set: Partial<Omit<CaseRecord, 'caseId' | 'sellerId' | 'return' | 'decision'>> & Pick<CaseRecord, 'version' | 'updatedAt'>;
  readonly remove: readonly 'dueAt'[];
  readonly events: readonly HistoryEvent[];
  readonly outbox?: OutboxRecord;
};

/**
 * Persistence of cases. Implementations must make `commit` and `patch` atomic and conditional: it
 * throws ConcurrentModificationError when the stored version is not `expectedVersion`, and
 * DuplicateDeliveryError when the delivery was already recorded.
 */
export interface CaseStore {
  getCase(caseId: string): Promise<CaseRecord | undefined>;
  getHistory(caseId: string): Promise<HistoryEvent[]>;
  getDelivery(marketplace: string, deliveryId: string): Promise<DeliveryRecord | undefined>;
  commit(change: CaseCommit): Promise<void>;
  /** Like commit, for a CasePatch: atomic, conditional, throws ConcurrentModificationError. */
  patch(change: CasePatch): Promise<void>;
  /** Removes an outbox record once its message is on the queue. */
  clearOutbox(caseId: string, refundId: string): Promise<void>;
  /** Outbox records created before `olderThan`, oldest first per shard, at most `limit`. */
  listPendingOutbox(input: { olderThan: string; limit: number }): Promise<OutboxRecord[]>;
}
