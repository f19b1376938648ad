import type { DefaultResolution, Policy } from '../decision/policy.ts';
import { claimDeadlineStep, claimDueAt, syncCarrierClaim } from '../workflow/carrier-claim.ts';
import type { CaseRecord, EscalationLevel, HistoryEvent } from '../workflow/case.ts';
import { ConcurrentModificationError } from '../contract/errors.ts';
import {
  claimDeadlinePatch,
  type DueCase,
  defaultReturnAndRefund,
  dueCaseOf,
  ESCALATION_ACTOR,
  returnNotArrived,
  type EscalationRule,
  type EscalationSkipReason,
  planEscalation,
  subjectOfDue,
} from '../workflow/escalation.ts';
import type { OutboxRecord } from '../workflow/decision-step.ts';
import { type FollowUpKind, followUpStep } from '../workflow/follow-up.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { DueCaseListing, DueCases } from '../ports/due-cases.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import { type PublishOutcome, publishRefund } from './publish-refund.ts';

export type EscalateStaleCasesDeps = {
  readonly store: CaseStore;
  readonly dueCases: DueCases;
  readonly policies: PolicyProvider;
  readonly refunds: RefundQueue;
  readonly clock: Clock;
};

export type EscalateStaleCasesOptions = {
  /** Most cases one run handles; the rest stay due and the next run continues with them. */
  readonly limit: number;
  /** Cases handled at the same time. @default 8 */
  readonly concurrency?: number;
  /** Time left in this invocation (Lambda: context.getRemainingTimeInMillis). @default unlimited */
  readonly remainingTimeMs?: () => number;
  /** No case is started with less time left than this, so the run ends before its timeout. @default 10_000 */
  readonly reserveMs?: number;
  /** Called once per case handled, for logs; carries ids and codes only. */
  readonly onStep?: (step: EscalationStep) => void;
};

export type EscalationStep =
  | {
      readonly caseId: string;
      readonly outcome: 'ESCALATED';
      readonly rule: EscalationRule;
      readonly fromLevel: EscalationLevel;
      readonly toLevel: EscalationLevel;
      readonly overdueMs: number;
    }
  | {
      readonly caseId: string;
      readonly outcome: 'DEFAULT_RESOLUTION';
      readonly rule: EscalationRule;
      readonly resolution: DefaultResolution;
      readonly overdueMs: number;
      readonly refundId?: string;
      readonly publish?: PublishOutcome;
    }
  | {
      readonly caseId: string;
      /** A remedy staff settled reached its follow-up time: a late replacement re-opened, an overrun repair flagged. */
      readonly outcome: 'FOLLOWED_UP';
      readonly followUp: FollowUpKind;
      readonly rule: EscalationRule;
      readonly overdueMs: number;
    }
  | {
      readonly caseId: string;
      /** The return parcel did not arrive by its deadline: lost in transit, the held refund released. */
      readonly outcome: 'RETURN_NOT_ARRIVED';
      readonly rule: EscalationRule;
      readonly overdueMs: number;
      readonly refundId: string;
      readonly publish: PublishOutcome;
    }
  | {
      readonly caseId: string;
      /** The return window: a reminder recorded, or the case closed as not returned (no refund). */
      readonly outcome: 'RETURN_REMINDER' | 'CLOSED_NOT_RETURNED';
      readonly rule: EscalationRule;
      readonly overdueMs: number;
    }
  | {
      readonly caseId: string;
      /** A carrier claim still to file: warned before its filing deadline, or expired after it (#19). */
      readonly outcome: 'CARRIER_CLAIM_WARNED' | 'CARRIER_CLAIM_EXPIRED';
      readonly claimId: string;
      readonly overdueMs: number;
    }
  | {
      readonly caseId: string;
      readonly outcome: 'SKIPPED';
      /** LOST_RACE: another writer committed first; GONE: the case no longer exists. */
      readonly reason: EscalationSkipReason | 'LOST_RACE' | 'GONE';
    }
  | { readonly caseId: string; readonly outcome: 'FAILED'; readonly errorName: string };

export type EscalateStaleCasesResult = {
  /** Due cases read from the index this run (at most `limit`). */
  readonly found: number;
  readonly escalated: number;
  /** Return window: reminders recorded, and cases closed as not returned. */
  readonly returnReminders: number;
  readonly closedNotReturned: number;
  /** Remedies staff settled followed up at their deadline (a late replacement, an overrun repair). */
  readonly followedUp: number;
  /** Return parcels not arrived by their deadline: lost in transit, their held refunds released (counted in refundsDue too). */
  readonly returnsNotArrived: number;
  /** Carrier claims warned before their filing deadline, and expired after it (cost back to the seller) (#19). */
  readonly claimWarnings: number;
  readonly claimsExpired: number;
  /** Cases at the last level that got the policy's default resolution (refund or hold). */
  readonly defaultResolutions: number;
  /** Of those, refunds made due, and how many of them are left in the outbox for the relay. */
  readonly refundsDue: number;
  readonly refundsLeftInOutbox: number;
  readonly skipped: number;
  readonly failed: number;
  /** Now minus the oldest missed deadline found, at the start of the run; 0 when none. */
  readonly oldestOverdueMs: number;
  /**
   * DRAINED: every due case was read and handled. LIMIT: more were due than the limit.
   * TIME_BUDGET: the run stopped starting cases to end before its timeout.
   */
  readonly stoppedBy: 'DRAINED' | 'LIMIT' | 'TIME_BUDGET';
};

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_RESERVE_MS = 10_000;

/**
 * Moves every case whose deadline passed one step up the escalation ladder, within a
 * bounded amount of work per run.
 *
 * Steps:
 * 1. Read at most `limit` due cases from the due index (oldest deadline first per shard);
 *    reads grow with the number of due cases, not with the table.
 * 2. For each, while the time budget lasts (a few at a time): plan the step from the index
 *    entry itself (a DueCase; workflow/escalation.ts re-checks that it waits for staff and is
 *    due), and patch case + history (+ refund + outbox record) in one transaction
 *    conditional on the version and deadline listed. The case is not read: one index entry
 *    is the whole read cost of a due case. A lost race (the entry lagged a newer write) is
 *    skipped, not retried: whoever won has moved the case on, and a case still due is
 *    found again by the next run.
 * 3. After the commit, publish a refund that a default resolution made due, exactly as
 *    intake does; a failed publish stays in the outbox for relay-refund-outbox.
 * Cases not reached (limit or time) keep their deadline and stay in the index, so the next
 * run continues where this one stopped; escalated cases leave the due set because their
 * deadline moves forward.
 */
export async function escalateStaleCases(
  deps: EscalateStaleCasesDeps,
  options: EscalateStaleCasesOptions,
): Promise<EscalateStaleCasesResult> {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const reserveMs = options.reserveMs ?? DEFAULT_RESERVE_MS;
  const remainingTimeMs = options.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
  const onStep = options.onStep ?? (() => undefined);

  const startedAt = deps.clock.now();
  const page = await deps.dueCases.listDue({ now: startedAt.toISOString(), limit: options.limit });
  const oldestDueMs = Math.min(...page.cases.map((ref) => Date.parse(ref.dueAt)));
  const counts = {
    escalated: 0,
    returnReminders: 0,
    closedNotReturned: 0,
    returnsNotArrived: 0,
    followedUp: 0,
    claimWarnings: 0,
    claimsExpired: 0,
    defaultResolutions: 0,
    refundsDue: 0,
    refundsLeftInOutbox: 0,
    skipped: 0,
    failed: 0,
  };
  let outOfTime = false;

  function record(step: EscalationStep): void {
    switch (step.outcome) {
      case 'ESCALATED':
        counts.escalated += 1;
        break;
      case 'DEFAULT_RESOLUTION':
        counts.defaultResolutions += 1;
        if (step.refundId !== undefined) counts.refundsDue += 1;
        if (step.publish !== undefined && step.publish !== 'PUBLISHED') counts.refundsLeftInOutbox += 1;
        break;
      case 'RETURN_REMINDER':
        counts.returnReminders += 1;
        break;
      case 'CLOSED_NOT_RETURNED':
        counts.closedNotReturned += 1;
        break;
      case 'FOLLOWED_UP':
        counts.followedUp += 1;
        break;
      case 'RETURN_NOT_ARRIVED':
        counts.returnsNotArrived += 1;
        counts.refundsDue += 1;
        if (step.publish !== 'PUBLISHED') counts.refundsLeftInOutbox += 1;
        break;
      case 'CARRIER_CLAIM_WARNED':
        counts.claimWarnings += 1;
        break;
      case 'CARRIER_CLAIM_EXPIRED':
        counts.claimsExpired += 1;
        break;
      case 'SKIPPED':
        counts.skipped += 1;
        break;
      case 'FAILED':
        counts.failed += 1;
        break;
    }
    onStep(step);
  }

  let next = 0;
  async function worker(): Promise<void> {
    while (next < page.cases.length) {
      if (remainingTimeMs() < reserveMs) {
        outOfTime = true;
        return;
      }
      const listing = page.cases[next++] as DueCaseListing;
      record(await escalateOne(deps, listing));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, page.cases.length) }, worker));

  return {
    found: page.cases.length,
    ...counts,
    oldestOverdueMs: page.cases.length === 0 ? 0 : Math.max(0, startedAt.getTime() - oldestDueMs),
    stoppedBy: outOfTime ? 'TIME_BUDGET' : page.more ? 'LIMIT' : 'DRAINED',
  };
}

async function escalateOne(deps: EscalateStaleCasesDeps, listing: DueCaseListing): Promise<EscalationStep> {
  const { caseId } = listing;
  try {
    let due = listing.due;
    if (due === undefined) {
      // An entry without escalation facts (written before the store kept them): read the case.
      const existing = await deps.store.getCase(caseId);
      if (existing === undefined) return { caseId, outcome: 'SKIPPED', reason: 'GONE' };
      due = dueCaseOf(existing);
      if (due === undefined) return { caseId, outcome: 'SKIPPED', reason: 'DEADLINE_MOVED' };
    }
    const now = deps.clock.now().toISOString();
    // The seller's own policy (a seller override may set its own levels and default resolution).
    const policy = deps.policies.policyFor(due.marketplace, due.sellerId);
    const claimDue = claimDueAt(due.facts.claim);
    if (claimDue !== undefined && Date.parse(claimDue) <= Date.parse(now)) return await claimDeadline(deps, due, now, claimDue);
    const plan = planEscalation(due, { now, policy });
    if (plan.kind === 'SKIP') return { caseId, outcome: 'SKIPPED', reason: plan.reason };
    let outbox = plan.kind === 'DEFAULT_RESOLUTION' ? plan.outbox : undefined;
    try {
      if (plan.kind === 'DEFAULT_RESOLUTION' && plan.resolution === 'BUYER_WINS_RETURN_AND_REFUND') {
        const written = await commitWholeCase(deps.store, due, (c) => defaultReturnAndRefund(c, plan, { now, policy }), { now, policy });
        if (written === 'GONE' || written === 'MOVED')
          return { caseId, outcome: 'SKIPPED', reason: written === 'GONE' ? 'GONE' : 'DEADLINE_MOVED' };
        outbox = written.outbox;
      } else if (plan.kind === 'FOLLOW_UP') {
        const step = (c: CaseRecord) =>
          followUpStep(c, { now, policy, actor: ESCALATION_ACTOR, rule: plan.rule, expectedVersion: due.version });
        const written = await commitWholeCase(deps.store, due, step, { now, policy });
        if (written === 'GONE') return { caseId, outcome: 'SKIPPED', reason: 'GONE' };
        if (written === 'MOVED') return { caseId, outcome: 'SKIPPED', reason: 'DEADLINE_MOVED' };
        return { caseId, outcome: 'FOLLOWED_UP', followUp: plan.followUp, rule: plan.rule, overdueMs: plan.overdueMs };
      } else if (plan.kind === 'RETURN_NOT_ARRIVED') {
        const written = await commitWholeCase(deps.store, due, (c) => returnNotArrived(c, plan, { now }), { now, policy });
        if (written === 'GONE' || written === 'MOVED')
          return { caseId, outcome: 'SKIPPED', reason: written === 'GONE' ? 'GONE' : 'DEADLINE_MOVED' };
        outbox = written.outbox;
      } else {
        await deps.store.patch({
          before: due,
          set: plan.set,
          remove: plan.remove,
          events: plan.events,
          subject: subjectOfDue(due),
          ...(outbox === undefined ? {} : { outbox }),
        });
      }
    } catch (error) {
      // Someone acted on the case, or another run escalated it, since the index entry was written.
      if (error instanceof ConcurrentModificationError) return { caseId, outcome: 'SKIPPED', reason: 'LOST_RACE' };
      throw error;
    }
    if (plan.kind === 'RETURN_REMINDER' || plan.kind === 'CLOSED_NOT_RETURNED') {
      return { caseId, outcome: plan.kind, rule: plan.rule, overdueMs: plan.overdueMs };
    }
    if (plan.kind === 'RETURN_NOT_ARRIVED') {
      if (outbox === undefined) throw new Error(`Case ${caseId}: a released refund without its outbox record`);
      const publish = await publishRefund(deps, outbox);
      return { caseId, outcome: plan.kind, rule: plan.rule, overdueMs: plan.overdueMs, refundId: outbox.refundId, publish };
    }
    if (plan.kind === 'ESCALATE') {
      return { caseId, outcome: 'ESCALATED', rule: plan.rule, fromLevel: plan.fromLevel, toLevel: plan.toLevel, overdueMs: plan.overdueMs };
    }
    const { resolution } = plan;
    if (outbox === undefined) {
      return { caseId, outcome: 'DEFAULT_RESOLUTION', rule: plan.rule, resolution, overdueMs: plan.overdueMs };
    }
    const publish = await publishRefund(deps, outbox);
    return {
      caseId,
      outcome: 'DEFAULT_RESOLUTION',
      rule: plan.rule,
      resolution,
      overdueMs: plan.overdueMs,
      refundId: outbox.refundId,
      publish,
    };
  } catch (error) {
    // One case failing (throttled, a malformed record) must not stop the others; it stays
    // due and is tried again by the next run.
    return { caseId, outcome: 'FAILED', errorName: error instanceof Error ? error.name : 'UnknownError' };
  }
}

/**
 * A step that needs the whole case (a default return-and-refund, a return not arrived: the
 * index entry does not carry the return leg or the ledger): read the case (one more item, for
 * these rare steps) and commit it whole, conditional on the version the plan was made from; a
 * case changed since is a lost race, as with a patch. Returns the outbox record when a refund
 * was made due.
 */
async function commitWholeCase(
  store: CaseStore,
  due: DueCase,
  step: (c: CaseRecord) => { next: CaseRecord; events: HistoryEvent[]; outbox?: OutboxRecord } | undefined,
  ctx: { readonly now: string; readonly policy: Policy },
): Promise<{ outbox?: OutboxRecord } | 'GONE' | 'MOVED'> {
  const current = await store.getCase(due.caseId);
  if (current === undefined) return 'GONE';
  if (current.version !== due.version || current.dueAt !== due.dueAt) {
    throw new ConcurrentModificationError(`Case ${due.caseId} changed since its index entry was written`);
  }
  const stepped = step(current);
  if (stepped === undefined) return 'MOVED';
  // A lost return parcel puts its value on the return carrier: its claim opens with this write (#19).
  const change = syncCarrierClaim(stepped, { now: ctx.now, policy: ctx.policy, actor: ESCALATION_ACTOR });
  await store.commit({
    next: change.next,
    expectedVersion: due.version,
    events: change.events,
    ...(change.outbox === undefined ? {} : { outbox: change.outbox }),
  });
  return change.outbox === undefined ? {} : { outbox: change.outbox };
}

/**
 * A carrier claim still to file whose warning or filing deadline passed (#19): read the case
 * (the step rewrites the claim and, at expiry, the ledger) and commit the step conditional on
 * the version the index entry listed; a case changed since is a lost race, found again next run.
 */
async function claimDeadline(deps: EscalateStaleCasesDeps, due: DueCase, now: string, claimDue: string): Promise<EscalationStep> {
  const { caseId } = due;
  const overdueMs = Math.max(0, Date.parse(now) - Date.parse(claimDue));
  const planned = claimDeadlinePatch(due, { now });
  if (planned !== undefined) {
    // A settled case: the entry says all the step needs, so the case is not read.
    try {
      await deps.store.patchClaim(planned);
    } catch (error) {
      if (error instanceof ConcurrentModificationError) return { caseId, outcome: 'SKIPPED', reason: 'LOST_RACE' };
      throw error;
    }
    const claimId = due.facts.claim?.claimId ?? '';
    return { caseId, outcome: planned.kind === 'WARNED' ? 'CARRIER_CLAIM_WARNED' : 'CARRIER_CLAIM_EXPIRED', claimId, overdueMs };
  }
  const current = await deps.store.getCase(caseId);
  if (current === undefined) return { caseId, outcome: 'SKIPPED', reason: 'GONE' };
  if (current.version !== due.version) return { caseId, outcome: 'SKIPPED', reason: 'LOST_RACE' };
  const step = claimDeadlineStep(current, { now, expectedVersion: due.version });
  if (step === undefined) return { caseId, outcome: 'SKIPPED', reason: 'DEADLINE_MOVED' };
  try {
    await deps.store.commit({ next: step.next, expectedVersion: due.version, events: step.events });
  } catch (error) {
    if (error instanceof ConcurrentModificationError) return { caseId, outcome: 'SKIPPED', reason: 'LOST_RACE' };
    throw error;
  }
  const claimId = step.next.carrierClaim?.claimId ?? '';
  return { caseId, outcome: step.kind === 'WARNED' ? 'CARRIER_CLAIM_WARNED' : 'CARRIER_CLAIM_EXPIRED', claimId, overdueMs };
}
