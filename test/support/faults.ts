import type { CaseRecord } from '#lib/workflow/case.ts';
import type { OutboxRecord } from '#lib/workflow/decision-step.ts';
import type { RefundMessage } from '#lib/contract/refund-message.ts';
import type {
  CaseCommit,
  CasePatch,
  CaseStore,
  DeliveryRecord,
  HeldEvents,
  HistoryPageRequest,
  HoldEventChange,
} from '#lib/ports/case-store.ts';
import type { ClaimDeadlinePatch } from '#lib/workflow/escalation.ts';
import type { RefundQueue } from '#lib/ports/refund-queue.ts';
import type { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';

/**
 * Fault-injecting wrappers around the real adapters (which talk to DynamoDB Local and
 * fauxqs). They simulate what the local engines cannot: a process dying between two steps,
 * a lost response, a queue that refuses sends for a while.
 */

export class SimulatedCrashError extends Error {
  override readonly name = 'SimulatedCrashError';
}

type CommitFault = {
  /** Which commit to hit. */
  readonly when: (change: CaseCommit) => boolean;
  /** BEFORE: the write never happens. AFTER: it happens, then the caller dies anyway. */
  readonly at: 'BEFORE' | 'AFTER';
  times: number;
};

type PatchFault = { readonly when: (change: CasePatch) => boolean; readonly at: 'BEFORE' | 'AFTER'; times: number };

/**
 * A case store tests can also read a whole history from (the DynamoDB adapter's getHistory;
 * the functions only read it a page at a time, through the port).
 */
export type InspectableCaseStore = CaseStore & Pick<DynamoDbCaseStore, 'getHistory'>;

export class FaultyCaseStore implements InspectableCaseStore {
  readonly #inner: InspectableCaseStore;
  readonly #faults: CommitFault[] = [];
  readonly #patchFaults: PatchFault[] = [];
  readonly #claimFaults: { readonly when: (change: ClaimDeadlinePatch) => boolean; readonly at: 'BEFORE' | 'AFTER'; times: number }[] = [];
  commits = 0;
  patches = 0;

  constructor(inner: InspectableCaseStore) {
    this.#inner = inner;
  }

  /** Crash around the next `times` commits matching `when`. */
  crashOnCommit(when: (change: CaseCommit) => boolean, at: 'BEFORE' | 'AFTER', times = 1): this {
    this.#faults.push({ when, at, times });
    return this;
  }

  /** Crash around the next `times` patches matching `when`. */
  crashOnPatch(when: (change: CasePatch) => boolean, at: 'BEFORE' | 'AFTER', times = 1): this {
    this.#patchFaults.push({ when, at, times });
    return this;
  }

  getCase(caseId: string): Promise<CaseRecord | undefined> {
    return this.#inner.getCase(caseId);
  }
  getHistory(caseId: string) {
    return this.#inner.getHistory(caseId);
  }
  getHistoryPage(caseId: string, request: HistoryPageRequest) {
    return this.#inner.getHistoryPage(caseId, request);
  }
  getDelivery(marketplace: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    return this.#inner.getDelivery(marketplace, deliveryId);
  }
  getHeldEvents(caseId: string): Promise<HeldEvents> {
    return this.#inner.getHeldEvents(caseId);
  }
  holdEvent(change: HoldEventChange): Promise<void> {
    return this.#inner.holdEvent(change);
  }
  clearOutbox(caseId: string, refundId: string): Promise<void> {
    return this.#inner.clearOutbox(caseId, refundId);
  }
  listPendingOutbox(input: { olderThan: string; limit: number }): Promise<OutboxRecord[]> {
    return this.#inner.listPendingOutbox(input);
  }

  async commit(change: CaseCommit): Promise<void> {
    const fault = this.#faults.find((f) => f.times > 0 && f.when(change));
    if (fault !== undefined) fault.times -= 1;
    if (fault?.at === 'BEFORE') throw new SimulatedCrashError(`crash before committing ${change.next.caseId} v${change.next.version}`);
    await this.#inner.commit(change);
    this.commits += 1;
    if (fault?.at === 'AFTER') throw new SimulatedCrashError(`crash after committing ${change.next.caseId} v${change.next.version}`);
  }

  async patch(change: CasePatch): Promise<void> {
    const fault = this.#patchFaults.find((f) => f.times > 0 && f.when(change));
    if (fault !== undefined) fault.times -= 1;
    const what = `${change.before.caseId} v${change.set.version}`;
    if (fault?.at === 'BEFORE') throw new SimulatedCrashError(`crash before patching ${what}`);
    await this.#inner.patch(change);
    this.patches += 1;
    if (fault?.at === 'AFTER') throw new SimulatedCrashError(`crash after patching ${what}`);
  }

  async patchClaim(change: ClaimDeadlinePatch): Promise<void> {
    const fault = this.#claimFaults.find((f) => f.times > 0 && f.when(change));
    if (fault !== undefined) fault.times -= 1;
    const what = `${change.before.caseId} v${change.before.version + 1}`;
    if (fault?.at === 'BEFORE') throw new SimulatedCrashError(`crash before the claim step of ${what}`);
    await this.#inner.patchClaim(change);
    this.patches += 1;
    if (fault?.at === 'AFTER') throw new SimulatedCrashError(`crash after the claim step of ${what}`);
  }

  /** Crash around the next `times` claim deadline steps matching `when`. */
  crashOnClaimStep(when: (change: ClaimDeadlinePatch) => boolean, at: 'BEFORE' | 'AFTER', times = 1): this {
    this.#claimFaults.push({ when, at, times });
    return this;
  }
}

/** A refund queue whose sends fail for a while (SQS unavailable, throttled, a network cut). */
export class FaultyRefundQueue implements RefundQueue {
  readonly #inner: RefundQueue;
  failures = 0;
  sent: RefundMessage[] = [];

  constructor(inner: RefundQueue) {
    this.#inner = inner;
  }

  failNext(times: number): this {
    this.failures = times;
    return this;
  }

  async publish(message: RefundMessage): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new SimulatedCrashError('SQS send failed (injected)');
    }
    await this.#inner.publish(message);
    this.sent.push(message);
  }
}
