import type { DefaultResolution, Policy } from '../decision/policy.ts';
import {
  type Actor,
  assertTransition,
  type CaseRecord,
  type EscalationLevel,
  type HistoryEvent,
  awaitsAppealDecision,
  isAwaitingStaff,
  isWatchedByDeadline,
  type RefundRecord,
} from './case.ts';
import type { RefundRelease } from '../decision/decision-schema.ts';
import { isInTransit, isShipped } from './return-leg.ts';
import { releaseLostReturn } from './return-leg-step.ts';
import { type FollowUpKind, followUpKindOf } from './follow-up.ts';
import { makeRefundDue, type OutboxRecord, refundDueOrHeld } from './decision-step.ts';
import type { CarrierClaimWatch, LedgerLine } from './case.ts';
import { CLAIM_ACTOR, type ClaimStepFacts, claimDeadlineOutcome, claimDueAt, claimStepFactsOf, claimWatchOf } from './carrier-claim.ts';
import type { NotificationSubject } from './notifications.ts';
import { resolutionDueAt } from './service-levels.ts';

/**
 * What happens to a case whose deadline passed with nobody acting on it. Pure: the caller
 * gets a DueCase (from the due index, or from a case it read), plans here, and writes the
 * planned changes conditional on the version and deadline it planned from.
 *
 * How `dueAt` moves (it is only ever watched while the case waits for staff, see
 * isAwaitingStaff; the sparse `byOpenDeadline` index holds exactly those cases):
 *
 * | level      | deadline that passed                        | what happens                                   | new dueAt                          |
 * |------------|---------------------------------------------|------------------------------------------------|------------------------------------|
 * | AGENT      | first response (intake: claimedAt + firstResponseMinutes[priority]) or the agent's resolution deadline | ESCALATED to SUPERVISOR | now + resolutionMinutes.supervisor |
 * | SUPERVISOR | supervisor's resolution deadline            | ESCALATED to MANAGER                           | now + resolutionMinutes.manager    |
 * | MANAGER    | manager's resolution deadline               | DEFAULT_RESOLUTION per policy                  | removed                            |
 *
 * The next level's clock starts when the escalation happens (`now`), not at the missed
 * deadline: a run delayed by an outage must not push a case through two levels at once.
 *
 * Staff end the watch: a staff approval or override removes dueAt (staff-actions.ts), so a
 * case staff settled (a reship, a repair) is never escalated, nor refunded by default on
 * top of its remedy. If new facts later re-open it to a fresh engine decision, its clock
 * restarts at its level: dueAt = now + resolutionMinutes[level] (decision-step.ts).
 *
 * Default resolutions after the last level:
 * - BUYER_WINS_FULL_REFUND: the buyer is refunded the full amount paid, through
 *   makeRefundDue like every other refund: REFUND_PENDING, refund record, outbox record.
 * - BUYER_WINS_RETURN_AND_REFUND: the same amount, the seller also pays the return label, and
 *   the refund waits for the goods like any return and refund (return-leg.ts): the sweep
 *   reads the whole case for this one step (its return leg is not in the index entry) and
 *   writes it with defaultReturnAndRefund below: held (AWAITING_RETURN, the return window
 *   starts) unless the release condition already holds or the item is returnless.
 * - HOLD_WITH_MANAGER: the case stays with the manager, status unchanged, no further
 *   escalation; dueAt is removed, so it leaves the sweep.
 * A buyer-wins resolution with nothing to refund (amount paid 0, or a refund already under
 * way on the case) is held with the manager instead, and the event says why.
 *
 * Why a DueCase and not the whole case: the sweep must read about one item per due case.
 * Everything a step depends on is either a small top-level field of the case or in its
 * `EscalationFacts`, which the store keeps on the case while it is in the due index and
 * the index projects; so the sweep plans from the index entry alone and never reads the
 * case (its ~15 KB decision trace included). A step changes only fields a DueCase knows.
 */

/** The facts a step needs beyond the case's top-level fields, derived from the case. */
export type EscalationFacts = {
  /** The marketplace's references a notification of an escalation names (#21). */
  readonly returnRef: { readonly marketplaceReturnId: string; readonly orderId: string; readonly locale?: string };
  /** The first-response deadline set at intake; tells which rule a missed AGENT deadline is. */
  readonly firstResponseDueAt?: string;
  /** From the marketplace's money: what a default refund pays, and a return label. */
  readonly amountPaid: number;
  readonly shippingCost: number;
  readonly currency: string;
  /** Status of a refund already on the case, if any. */
  readonly refundStatus?: RefundRecord['status'];
  /** Carrier claims in the current ledger: a default resolution keeps them. */
  readonly carrierClaims: readonly LedgerLine[];
  /**
   * While a refund is held for the goods (AWAITING_RETURN) and nothing has been shipped: the
   * deadline to ship and the held refund, which closing the case as not returned cancels.
   */
  readonly returnWindow?: { readonly shipBy: string; readonly heldRefund: RefundRecord };
  /**
   * While a refund is held for the goods and the parcel is on the carrier's hands: the case's
   * deadline is the arrival deadline; when it passes the parcel counts as lost in transit.
   */
  readonly returnInTransit?: { readonly refundId: string };
  /** A remedy staff settled, followed up at its deadline (follow-up.ts): the deadline is not a staff one. */
  readonly followUp?: FollowUpKind;
  /** A carrier claim still to file (#19): its warning and filing deadline (carrier-claim.ts). */
  readonly claim?: CarrierClaimWatch;
  /** With `claim`: what its deadline step writes, so the sweep need not read the case. */
  readonly claimStep?: ClaimStepFacts;
  /** A refunded case's appeal waits for staff (#19): its deadline escalates like a staff case's. */
  readonly appealPending?: true;
};

/** A case as the sweep sees it: enough to plan a step and to condition the write on. */
export type DueCase = Pick<CaseRecord, 'caseId' | 'sellerId' | 'marketplace' | 'status' | 'version' | 'escalationLevel'> & {
  readonly dueAt: string;
  readonly facts: EscalationFacts;
};

export function escalationFactsOf(c: CaseRecord): EscalationFacts {
  const { amountPaid, shippingCost, currency } = c.return.money;
  const firstResponseDueAt = c.decision?.firstResponseDueAt;
  const { marketplaceReturnId, orderId } = c;
  return {
    returnRef: { marketplaceReturnId, orderId, ...(c.return.locale === undefined ? {} : { locale: c.return.locale }) },
    ...(firstResponseDueAt === undefined ? {} : { firstResponseDueAt }),
    amountPaid,
    shippingCost,
    currency,
    ...(c.refund === undefined ? {} : { refundStatus: c.refund.status }),
    carrierClaims: (c.ledger ?? []).filter((line) => line.kind === 'CARRIER_CLAIM'),
    ...(c.status === 'AWAITING_RETURN' && c.returnLeg?.shipBy !== undefined && c.refund?.status === 'HELD' && !isShipped(c.returnLeg)
      ? { returnWindow: { shipBy: c.returnLeg.shipBy, heldRefund: c.refund } }
      : {}),
    ...(c.dueAt !== undefined && followUpKindOf(c) !== undefined ? { followUp: followUpKindOf(c) } : {}),
    ...(c.status === 'AWAITING_RETURN' && c.refund?.status === 'HELD' && isInTransit(c.returnLeg)
      ? { returnInTransit: { refundId: c.refund.refundId } }
      : {}),
    ...(claimWatchOf(c.carrierClaim) === undefined ? {} : { claim: claimWatchOf(c.carrierClaim) }),
    ...(claimStepFactsOf(c) === undefined ? {} : { claimStep: claimStepFactsOf(c) }),
    ...(awaitsAppealDecision(c) ? { appealPending: true as const } : {}),
  };
}

/**
 * A carrier claim's deadline step planned from the due index entry alone (#19), for a case
 * whose own deadline the index does not watch (settled: refunded, reshipped, closed...): the
 * same step as claimDeadlineStep on the whole case, as fields to write.
 * - WARNED: `carrierClaim.warnedAt`; the case stays listed at its filing deadline.
 * - EXPIRED: the claim's state and `expiredAt`, and the ledger with the carrier's cost moved to
 *   the seller; the case leaves the index.
 * Undefined when the entry cannot say (no step facts, an own deadline also watched, nothing
 * due): the caller reads the case and takes the whole-case step.
 */
export type ClaimDeadlinePatch = {
  readonly kind: 'WARNED' | 'EXPIRED';
  readonly before: DueCase;
  readonly at: string;
  /** EXPIRED: the whole ledger after. */
  readonly ledger?: readonly LedgerLine[];
  /** Where the case stays listed, with its entry's facts after; absent: it leaves the index. */
  readonly stays?: { readonly dueIndexAt: string; readonly facts: EscalationFacts };
  readonly events: readonly HistoryEvent[];
};

export function claimDeadlinePatch(due: DueCase, input: { readonly now: string }): ClaimDeadlinePatch | undefined {
  const { claim, claimStep } = due.facts;
  if (claim === undefined || claimStep === undefined || isWatchedByDeadline(due.status) || due.facts.appealPending === true) {
    return undefined;
  }
  const outcome = claimDeadlineOutcome(claim, claimStep, input.now);
  if (outcome === undefined) return undefined;
  const events: HistoryEvent[] = [
    {
      caseId: due.caseId,
      version: due.version + 1,
      seq: 0,
      at: input.now,
      actor: CLAIM_ACTOR,
      action: outcome.action,
      fromStatus: due.status,
      toStatus: due.status,
      details: outcome.details,
    },
  ];
  const common = { kind: outcome.kind, before: due, at: input.now, events };
  return outcome.kind === 'WARNED'
    ? { ...common, stays: { dueIndexAt: claimDueAt(outcome.watch) ?? claim.fileBy, facts: { ...due.facts, claim: outcome.watch } } }
    : { ...common, ledger: outcome.ledger };
}

/** Whom a patch of a due case notifies about (#21). */
export function subjectOfDue(due: DueCase): NotificationSubject {
  return { caseId: due.caseId, marketplace: due.marketplace, sellerId: due.sellerId, ...due.facts.returnRef };
}

/** The case as the sweep would see it; undefined when it has no deadline. */
export function dueCaseOf(c: CaseRecord): DueCase | undefined {
  if (c.dueAt === undefined) return undefined;
  const { caseId, sellerId, marketplace, status, version, escalationLevel, dueAt } = c;
  return { caseId, sellerId, marketplace, status, version, escalationLevel, dueAt, facts: escalationFactsOf(c) };
}

export const ESCALATION_ACTOR: Actor = { kind: 'SYSTEM', id: 'escalate-stale-cases' };

/** Names of the service-level rules whose deadline can trigger a step; stored in history. */
export type EscalationRule =
  | 'REPLACEMENT_DELIVERY_DEADLINE'
  | 'REPAIR_OVERRUN_DEADLINE'
  | 'RETURN_ARRIVAL_DEADLINE'
  | 'RETURN_WINDOW_REMINDER'
  | 'RETURN_WINDOW_DEADLINE'
  | 'FIRST_RESPONSE_DEADLINE'
  | 'AGENT_RESOLUTION_DEADLINE'
  | 'SUPERVISOR_RESOLUTION_DEADLINE'
  | 'MANAGER_RESOLUTION_DEADLINE';

export type EscalationSkipReason =
  /** The case no longer waits for staff (decided, refunded, cancelled meanwhile). */
  | 'NOT_AWAITING_STAFF'
  /** The case read has no deadline any more (held with a manager, or settled meanwhile). */
  | 'DEADLINE_MOVED'
  /** The deadline is still ahead (a stale or early read). */
  | 'NOT_DUE';

/**
 * Top-level case fields a step sets. Never the keys, the return or the decision; `refund`
 * and `ledger` (which EscalationFacts also follow from) only in a step that takes the case
 * out of the due index, so the facts an index entry carries are never stale (the store
 * refuses anything else).
 */
export type EscalationChanges = Pick<CaseRecord, 'version' | 'updatedAt'> &
  Partial<Pick<CaseRecord, 'status' | 'escalationLevel' | 'dueAt' | 'refund' | 'ledger'>>;

type PlannedStep = {
  readonly caseId: string;
  /** The case fields to write, and those to remove (`dueAt` when the case leaves the sweep). */
  readonly set: EscalationChanges;
  readonly remove: readonly 'dueAt'[];
  readonly events: readonly HistoryEvent[];
  readonly rule: EscalationRule;
  readonly fromLevel: EscalationLevel;
  readonly toLevel: EscalationLevel;
  /** The deadline that was missed, and by how much (ms) at `now`. */
  readonly deadline: string;
  readonly overdueMs: number;
};

export type EscalationPlan =
  | { readonly kind: 'SKIP'; readonly caseId: string; readonly reason: EscalationSkipReason }
  | (PlannedStep & { readonly kind: 'ESCALATE' })
  | (PlannedStep & {
      readonly kind: 'DEFAULT_RESOLUTION';
      /** What was actually applied (a buyer-wins resolution with nothing to pay is a hold). */
      readonly resolution: DefaultResolution;
      /** Present when the resolution made a refund due; publish it after the commit. */
      readonly outbox?: OutboxRecord;
    })
  /** The buyer has not shipped the return: reminded before the deadline (a history event). */
  | (PlannedStep & { readonly kind: 'RETURN_REMINDER' })
  /** The buyer did not ship within the window: closed as not returned, the held refund cancelled. */
  | (PlannedStep & { readonly kind: 'CLOSED_NOT_RETURNED' })
  /**
   * The return parcel did not arrive by its arrival deadline: lost in transit. Written on the
   * whole case (returnNotArrived), which the caller reads for this step.
   */
  | (PlannedStep & { readonly kind: 'RETURN_NOT_ARRIVED' })
  /** A remedy staff settled reached its follow-up time (follow-up.ts), written on the whole case. */
  | (PlannedStep & { readonly kind: 'FOLLOW_UP'; readonly followUp: FollowUpKind });

const nextLevel: Readonly<Record<EscalationLevel, EscalationLevel | undefined>> = {
  AGENT: 'SUPERVISOR',
  SUPERVISOR: 'MANAGER',
  MANAGER: undefined,
};

function ruleFor(c: DueCase): EscalationRule {
  switch (c.escalationLevel) {
    case 'AGENT':
      // Until staff answer, the agent's deadline is the first-response one set at intake.
      return c.facts.firstResponseDueAt === c.dueAt ? 'FIRST_RESPONSE_DEADLINE' : 'AGENT_RESOLUTION_DEADLINE';
    case 'SUPERVISOR':
      return 'SUPERVISOR_RESOLUTION_DEADLINE';
    case 'MANAGER':
      return 'MANAGER_RESOLUTION_DEADLINE';
  }
}

/** Who pays what when the buyer wins by default: the seller, who did not answer in time. */
function defaultResolutionLedger(c: DueCase, resolution: DefaultResolution): LedgerLine[] {
  const { currency, amountPaid, shippingCost } = c.facts;
  const lines: LedgerLine[] = [
    {
      kind: 'BUYER_REFUND',
      amount: amountPaid,
      currency,
      paidBy: 'SELLER',
      bornBy: 'SELLER',
      note: 'default resolution: the seller did not resolve the case in time; full refund of the amount paid',
    },
  ];
  if (resolution === 'BUYER_WINS_RETURN_AND_REFUND') {
    lines.push({
      kind: 'RETURN_SHIPPING',
      amount: shippingCost,
      currency,
      paidBy: 'SELLER',
      bornBy: 'SELLER',
      note: 'return label, paid by the seller under the default resolution',
    });
  }
  // A carrier's share can still be claimed by the seller afterwards.
  lines.push(...c.facts.carrierClaims);
  return lines;
}

/**
 * Plans one escalation step for a due case.
 *
 * Steps:
 * 1. Re-check the case as given: still waiting for staff and due at `now`. Anything else
 *    is a stale listing: SKIP, never a blind retry.
 * 2. Below the last level: ESCALATED one level up, dueAt = now + that level's minutes.
 * 3. At the last level: the policy's default resolution (see the module comment).
 * Each step advances the version by one and records one event with the rule, the missed
 * deadline, both levels and the policy version; a refund adds REFUND_DUE and an outbox record.
 * The caller writes `set`/`remove` only if the case still has `version` and `dueAt` as
 * given, so a case another writer changed meanwhile is never stepped on.
 */
export function planEscalation(
  due: DueCase,
  input: { readonly now: string; readonly policy: Policy; readonly actor?: Actor },
): EscalationPlan {
  const { caseId } = due;
  if (due.status === 'AWAITING_RETURN') return planReturnWindow(due, input);
  const followUp = due.facts.followUp;
  if (followUp !== undefined) {
    const nowMs = Date.parse(input.now);
    const deadlineMs = Date.parse(due.dueAt);
    if (!(deadlineMs <= nowMs)) return { kind: 'SKIP', caseId, reason: 'NOT_DUE' };
    const level = due.escalationLevel;
    return {
      kind: 'FOLLOW_UP',
      followUp,
      caseId,
      rule: followUp === 'REPLACEMENT' ? 'REPLACEMENT_DELIVERY_DEADLINE' : 'REPAIR_OVERRUN_DEADLINE',
      fromLevel: level,
      toLevel: level,
      deadline: due.dueAt,
      overdueMs: nowMs - deadlineMs,
      set: { version: due.version + 1, updatedAt: input.now },
      remove: ['dueAt'],
      events: [],
    };
  }
  // A refunded case whose appeal waits for staff escalates like a staff case; its money has
  // gone, so at the last level the default resolution holds it with the manager (refund under way).
  if (!isAwaitingStaff(due.status) && due.facts.appealPending !== true) return { kind: 'SKIP', caseId, reason: 'NOT_AWAITING_STAFF' };
  const nowMs = Date.parse(input.now);
  const deadlineMs = Date.parse(due.dueAt);
  if (!(deadlineMs <= nowMs)) return { kind: 'SKIP', caseId, reason: 'NOT_DUE' };

  const actor = input.actor ?? ESCALATION_ACTOR;
  const rule = ruleFor(due);
  const fromLevel = due.escalationLevel;
  const toLevel = nextLevel[fromLevel];
  const version = due.version + 1;
  const step = { caseId, rule, fromLevel, deadline: due.dueAt, overdueMs: nowMs - deadlineMs };
  const common = { rule, deadline: due.dueAt, overdueMs: step.overdueMs, fromLevel, policyVersion: input.policy.version };
  const event = (action: string, toStatus: CaseRecord['status'], details: Record<string, unknown>): HistoryEvent => ({
    caseId,
    version,
    seq: 0,
    at: input.now,
    actor,
    action,
    fromStatus: due.status,
    toStatus,
    details,
  });

  if (toLevel !== undefined) {
    assertTransition(due.status, due.status);
    const nextDueAt = resolutionDueAt(toLevel, input.policy, input.now);
    return {
      kind: 'ESCALATE',
      ...step,
      toLevel,
      set: { version, updatedAt: input.now, escalationLevel: toLevel, dueAt: nextDueAt },
      remove: [],
      events: [event('ESCALATED', due.status, { ...common, toLevel, nextDueAt })],
    };
  }

  const configured = input.policy.defaultResolutionAfterLastLevel;
  const refundUnderWay = due.facts.refundStatus !== undefined && due.facts.refundStatus !== 'CANCELLED';
  const amount = due.facts.amountPaid;
  const buyerWins = configured !== 'HOLD_WITH_MANAGER';
  const heldBecause = !buyerWins ? undefined : refundUnderWay ? 'REFUND_ALREADY_UNDER_WAY' : amount <= 0 ? 'NOTHING_TO_REFUND' : undefined;
  const applied: DefaultResolution = buyerWins && heldBecause === undefined ? configured : 'HOLD_WITH_MANAGER';
  const details = {
    ...common,
    toLevel: fromLevel,
    resolution: applied,
    ...(applied === configured ? {} : { configuredResolution: configured, heldBecause }),
  };
  const resolved = { kind: 'DEFAULT_RESOLUTION', ...step, toLevel: fromLevel, resolution: applied, remove: ['dueAt'] } as const;

  if (applied === 'HOLD_WITH_MANAGER') {
    assertTransition(due.status, due.status);
    return { ...resolved, set: { version, updatedAt: input.now }, events: [event('DEFAULT_RESOLUTION', due.status, details)] };
  }

  assertTransition(due.status, 'REFUND_PENDING');
  const currency = due.facts.currency;
  const refundDue = makeRefundDue({ caseId, sellerId: due.sellerId, version }, { amount, currency, now: input.now, actor, seq: 1 });
  return {
    ...resolved,
    set: {
      version,
      updatedAt: input.now,
      status: refundDue.next.status,
      refund: refundDue.next.refund,
      ledger: defaultResolutionLedger(due, applied),
    },
    events: [
      event('DEFAULT_RESOLUTION', 'REFUND_PENDING', { ...details, refundId: refundDue.outbox.refundId, amount, currency }),
      ...refundDue.events,
    ],
    outbox: refundDue.outbox,
  };
}

/**
 * When a default return-and-refund is released: the engine's own release when it was waiting
 * for the goods too (returnless, first scan for a trusted buyer, …), otherwise the policy's mode.
 */
function defaultRelease(c: CaseRecord, policy: Policy): RefundRelease {
  const engine = c.decision?.refundRelease;
  if (engine !== undefined && engine.mode !== 'AT_DECISION') return engine;
  const mode = policy.returnLeg.release.mode;
  return { mode, reason: `default resolution with a return: released per policy (${mode})` };
}

/**
 * A planned BUYER_WINS_RETURN_AND_REFUND default resolution applied to the whole case (read
 * by the sweep for this step): the same version, ledger and DEFAULT_RESOLUTION event as the
 * plan, but the refund goes through refundDueOrHeld, so it is held for the goods
 * (AWAITING_RETURN, REFUND_HELD, no outbox record, the return window's deadline) unless its
 * release condition already holds, when it is made due as the plan had it. The caller
 * commits it conditional on the version the plan was made from.
 */
export function defaultReturnAndRefund(
  c: CaseRecord,
  plan: Extract<EscalationPlan, { kind: 'DEFAULT_RESOLUTION' }>,
  input: { readonly now: string; readonly policy: Policy },
): { next: CaseRecord; events: HistoryEvent[]; outbox?: OutboxRecord } {
  const resolution = plan.events[0];
  const refund = plan.set.refund;
  if (plan.resolution !== 'BUYER_WINS_RETURN_AND_REFUND' || resolution === undefined || refund === undefined) {
    throw new Error(`Case ${c.caseId}: not a default return-and-refund`);
  }
  if (c.version + 1 !== plan.set.version) throw new Error(`Case ${c.caseId} is at v${c.version}, the plan at v${plan.set.version - 1}`);
  const { dueAt: _staffDeadline, ...rest } = c;
  const base: CaseRecord = { ...rest, version: plan.set.version, updatedAt: plan.set.updatedAt, ledger: plan.set.ledger ?? [] };
  const release = defaultRelease(c, input.policy);
  const due = refundDueOrHeld(base, {
    amount: refund.amount,
    currency: refund.currency,
    release,
    now: input.now,
    actor: resolution.actor,
    seq: resolution.seq + 1,
    policy: input.policy,
  });
  assertTransition(c.status, due.next.status);
  const events = [{ ...resolution, toStatus: due.next.status, details: { ...resolution.details, release } }, ...due.events];
  return { next: due.next, events, ...(due.outbox === undefined ? {} : { outbox: due.outbox }) };
}

/**
 * The return window, on the same sweep: a case AWAITING_RETURN whose buyer has not shipped
 * carries dueAt = the reminder time (shipBy − reminderDaysBefore), then shipBy.
 *
 * | deadline that passed | what happens                                                   | new dueAt |
 * |----------------------|----------------------------------------------------------------|-----------|
 * | reminder (< shipBy)  | RETURN_REMINDER_SENT (a history event; no outbound event system yet) | shipBy    |
 * | shipBy               | CLOSED_NOT_RETURNED: status CLOSED, the held refund CANCELLED, no refund | removed |
 * | arrival (in transit) | RETURN_NOT_ARRIVED: lost in transit, the held refund released, the goods a carrier claim (whole case) | removed |
 *
 * Planned from the index entry alone (EscalationFacts.returnWindow), like escalation.
 */
function planReturnWindow(due: DueCase, input: { readonly now: string; readonly policy: Policy; readonly actor?: Actor }): EscalationPlan {
  const { caseId } = due;
  const window = due.facts.returnWindow;
  const nowMs = Date.parse(input.now);
  const deadlineMs = Date.parse(due.dueAt);
  if (window === undefined && due.facts.returnInTransit !== undefined) {
    if (!(deadlineMs <= nowMs)) return { kind: 'SKIP', caseId, reason: 'NOT_DUE' };
    const level = due.escalationLevel;
    return {
      kind: 'RETURN_NOT_ARRIVED',
      caseId,
      rule: 'RETURN_ARRIVAL_DEADLINE',
      fromLevel: level,
      toLevel: level,
      deadline: due.dueAt,
      overdueMs: nowMs - deadlineMs,
      set: { version: due.version + 1, updatedAt: input.now },
      remove: ['dueAt'],
      events: [],
    };
  }
  if (window === undefined) return { kind: 'SKIP', caseId, reason: 'NOT_AWAITING_STAFF' };
  if (!(deadlineMs <= nowMs)) return { kind: 'SKIP', caseId, reason: 'NOT_DUE' };
  const actor = input.actor ?? ESCALATION_ACTOR;
  const version = due.version + 1;
  const level = due.escalationLevel;
  const reminder = deadlineMs < Date.parse(window.shipBy);
  const rule: EscalationRule = reminder ? 'RETURN_WINDOW_REMINDER' : 'RETURN_WINDOW_DEADLINE';
  const step = { caseId, rule, fromLevel: level, toLevel: level, deadline: due.dueAt, overdueMs: nowMs - deadlineMs };
  const event = (action: string, toStatus: CaseRecord['status'], details: Record<string, unknown>): HistoryEvent => ({
    caseId,
    version,
    seq: 0,
    at: input.now,
    actor,
    action,
    fromStatus: due.status,
    toStatus,
    details: { rule, deadline: due.dueAt, shipBy: window.shipBy, policyVersion: input.policy.version, ...details },
  });
  if (reminder) {
    assertTransition(due.status, due.status);
    return {
      kind: 'RETURN_REMINDER',
      ...step,
      set: { version, updatedAt: input.now, dueAt: window.shipBy },
      remove: [],
      // There is no outbound event system yet: the reminder is recorded in the history, for
      // the marketplace integration (or staff) to send.
      events: [event('RETURN_REMINDER_SENT', due.status, { refundId: window.heldRefund.refundId })],
    };
  }
  assertTransition(due.status, 'CLOSED');
  return {
    kind: 'CLOSED_NOT_RETURNED',
    ...step,
    set: {
      version,
      updatedAt: input.now,
      status: 'CLOSED',
      refund: { ...window.heldRefund, status: 'CANCELLED' },
      // Nothing is refunded and no label is used; a carrier claim on the outbound leg stays.
      ledger: [...due.facts.carrierClaims],
    },
    remove: ['dueAt'],
    events: [event('CLOSED_NOT_RETURNED', 'CLOSED', { cancelledRefundId: window.heldRefund.refundId })],
  };
}

/**
 * A planned RETURN_NOT_ARRIVED step on the whole case: still holding its refund and still in
 * transit (else it throws: the caller treats the case as moved on), the refund is released and
 * the goods become a carrier claim (releaseLostReturn), with the rule and deadline in the event.
 */
export function returnNotArrived(
  c: CaseRecord,
  plan: Extract<EscalationPlan, { kind: 'RETURN_NOT_ARRIVED' }>,
  input: { readonly now: string; readonly actor?: Actor },
): { next: CaseRecord; events: HistoryEvent[]; outbox: OutboxRecord } {
  if (c.version + 1 !== plan.set.version) throw new Error(`Case ${c.caseId} is at v${c.version}, the plan at v${plan.set.version - 1}`);
  if (c.status !== 'AWAITING_RETURN' || c.refund?.status !== 'HELD' || !isInTransit(c.returnLeg)) {
    throw new Error(`Case ${c.caseId} holds no refund for a parcel in transit`);
  }
  const { dueAt: _arrivalDeadline, ...rest } = c;
  return releaseLostReturn(
    { ...rest, version: plan.set.version, updatedAt: plan.set.updatedAt },
    {
      now: input.now,
      actor: input.actor ?? ESCALATION_ACTOR,
      seq: 0,
      trigger: plan.rule,
      reason: 'NOT_ARRIVED_IN_TIME',
      arriveBy: plan.deadline,
    },
  );
}
