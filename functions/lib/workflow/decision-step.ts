import { type Decision, isRefundRemedy, type RefundRelease } from '../decision/decision-schema.ts';
import { decide } from '../decision/decide.ts';
import { factsFromReturn } from '../decision/facts.ts';
import type { Policy } from '../decision/policy.ts';
import {
  type Actor,
  assertTransition,
  type CaseRecord,
  type CaseStatus,
  type HistoryEvent,
  type LedgerLine,
  type RefundRecord,
  returnWithStaffEvidence,
} from './case.ts';
import { type RefundMessage, REFUND_MESSAGE_VERSION, refundIdFor } from '../contract/refund-message.ts';
import { resolutionDueAt } from './service-levels.ts';
import { holdRefund, releaseConditionMet, returnLegFacts } from './return-leg.ts';

/**
 * Turning a decision into case state: which status it leads to, which refund becomes due,
 * who bears which cost. Pure; the caller commits the result in one transaction with the
 * outbox record, so a refund that is due can never be lost between "decided" and "queued".
 */

export type OutboxRecord = {
  readonly caseId: string;
  readonly refundId: string;
  readonly createdAt: string;
  readonly message: RefundMessage;
};

export type DecisionStep = {
  readonly next: CaseRecord;
  readonly events: HistoryEvent[];
  readonly outbox?: OutboxRecord;
};

/**
 * Itemises who pays what. The buyer is made whole by the seller (or the platform when the
 * policy puts the cost there) at once; a carrier's share is recovered later by a claim.
 */
export function ledgerFor(decision: Decision, ret: CaseRecord['return']): LedgerLine[] {
  const currency = decision.refund.currency;
  const lines: LedgerLine[] = [];
  const advancer = decision.costBearer === 'PLATFORM' ? 'PLATFORM' : 'SELLER';
  if (isRefundRemedy(decision.remedy) && decision.refund.amount > 0) {
    lines.push({
      kind: 'BUYER_REFUND',
      amount: decision.refund.amount,
      currency,
      paidBy: advancer,
      bornBy: decision.costBearer === 'NONE' || decision.costBearer === 'BUYER' ? advancer : decision.costBearer,
      note: `${decision.remedy} to the original payment method`,
    });
    for (const deduction of decision.refund.deductions) {
      lines.push({ kind: 'DEDUCTION', amount: deduction.amount, currency, paidBy: 'BUYER', bornBy: 'BUYER', note: deduction.description });
    }
  }
  const returnless = decision.refundRelease?.mode === 'RETURNLESS';
  if (decision.remedy === 'RETURN_AND_REFUND' && decision.returnShippingPaidBy !== 'NONE' && !returnless) {
    // Deducted from the refund when the inspection put the buyer at fault: the buyer bears it.
    const recovered = decision.refund.deductions.some((d) => d.code === 'RETURN_SHIPPING');
    lines.push({
      kind: 'RETURN_SHIPPING',
      amount: ret.money.shippingCost,
      currency,
      paidBy: decision.returnShippingPaidBy,
      bornBy: recovered ? 'BUYER' : decision.returnShippingPaidBy,
      note: recovered
        ? 'return label, estimated at the outbound shipping cost; deducted from the refund (buyer at fault at inspection)'
        : 'return label, estimated at the outbound shipping cost',
    });
  }
  if (decision.remedy === 'RESHIP') {
    lines.push({
      kind: 'RESHIP_SHIPPING',
      amount: ret.money.shippingCost,
      currency,
      paidBy: advancer,
      bornBy: decision.costBearer === 'CARRIER' ? 'CARRIER' : advancer,
      note: 'replacement shipment, estimated at the outbound shipping cost',
    });
  }
  if (decision.carrierClaim) {
    lines.push({
      kind: 'CARRIER_CLAIM',
      amount: Math.max(decision.refund.gross, ret.money.itemValue),
      currency,
      paidBy: 'CARRIER',
      bornBy: 'CARRIER',
      note: 'claim to file with the carrier for loss, transit damage or delay',
    });
  }
  return lines;
}

/**
 * The decision as the case item keeps it: the trace of the rules that fired (what the
 * readable explanation shows), not of every rule evaluated. The full trace, about 11 KB of
 * a 15 KB case, is in the DECISION_MADE event, written once; the case item is rewritten at
 * every step of its life (and billed on its full size each time). `rulesUsed` still names
 * every rule evaluated.
 */
export function decisionForCase(decision: Decision): Decision {
  return { ...decision, trace: decision.trace.filter((entry) => entry.fired) };
}

/**
 * A fresh engine recommendation for a case a person already settled (staff approval or
 * override): new facts never replace a staff decision, nor move money on their own. The
 * decision is flagged for staff confirmation (MANUAL_REVIEW, NEW_FACTS_AFTER_STAFF_DECISION);
 * staff confirm it by approving (staff-actions.ts) or choose otherwise with an override.
 * Undefined when it recommends what staff already chose.
 */
export function recommendationForStaff(
  base: CaseRecord,
  input: { policy: Policy; now: string; actor: Actor; trigger: string; seq: number },
): { next: CaseRecord; events: HistoryEvent[] } | undefined {
  const resolution = base.resolution;
  if (resolution === undefined) return undefined;
  const engine = decide(factsFromReturn(returnWithStaffEvidence(base), input.now, returnLegFacts(base.returnLeg)), input.policy);
  const paysMoney = isRefundRemedy(engine.recommendedRemedy) && engine.refund.amount > 0;
  const same =
    engine.outcome === 'DECIDED' &&
    engine.recommendedRemedy === resolution.remedy &&
    (paysMoney ? engine.refund.amount === resolution.amount : resolution.amount === undefined);
  if (same) return undefined;
  const flagged: Decision = {
    ...engine,
    outcome: 'MANUAL_REVIEW',
    remedy: 'MANUAL_REVIEW',
    reviewReasons: [...engine.reviewReasons.filter((r) => r !== 'NEW_FACTS_AFTER_STAFF_DECISION'), 'NEW_FACTS_AFTER_STAFF_DECISION'],
  };
  const next: CaseRecord = { ...base, recommendation: decisionForCase(flagged) };
  const event: HistoryEvent = {
    caseId: base.caseId,
    version: base.version,
    seq: input.seq,
    at: input.now,
    actor: input.actor,
    action: 'RECOMMENDATION_FOR_STAFF',
    fromStatus: base.status,
    toStatus: base.status,
    details: { trigger: input.trigger, reason: 'NEW_FACTS_AFTER_STAFF_DECISION', staffDecision: resolution.kind, decision: flagged },
  };
  return { next, events: [event] };
}

/** The status a fresh engine decision leads to. */
export function statusAfter(decision: Decision): CaseStatus {
  if (decision.outcome === 'MANUAL_REVIEW') return 'NEEDS_REVIEW';
  if (decision.remedy === 'REJECT') return 'REJECTED';
  if (isRefundRemedy(decision.remedy) && decision.refund.amount > 0) {
    // The engine acts with an agent's authority; above it a supervisor approves first.
    return decision.authority.exceedsAgentAuthority ? 'DECIDED' : 'REFUND_PENDING';
  }
  return 'DECIDED';
}

/**
 * Runs the rule chain on the case's facts and applies the decision to the case.
 *
 * Steps:
 * 1. Facts from the stored return snapshot, at `now`; decide with the marketplace's policy.
 * 2. The status follows from outcome, remedy and authority (statusAfter).
 * 3. When a refund becomes due: a refund record on the case and an outbox record holding
 *    the exact queue message, both in the caller's transaction.
 * 4. Events: DECISION_MADE (the whole decision with its full trace, so this and earlier
 *    ones stay auditable in history), then REFUND_DUE when money is owed. Both carry the
 *    version of this write. The case keeps the decision with the fired rules' trace only
 *    (decisionForCase).
 *
 * `base` is the case as it will be written (version already advanced by the caller).
 */
export function decideCase(
  base: CaseRecord,
  input: { policy: Policy; now: string; actor: Actor; trigger: string; firstSeq: number; fromStatus: CaseStatus | null },
): DecisionStep {
  // Staff evidence (seller API) counts as much as the marketplace's own.
  // Staff evidence (seller API) counts as much as the marketplace's own; so does what came back.
  const decision = decide(factsFromReturn(returnWithStaffEvidence(base), input.now, returnLegFacts(base.returnLeg)), input.policy);
  const engineStatus = statusAfter(decision);
  // A refund that needs the goods back waits for them (return-leg.ts), unless they are back.
  const release = decision.refundRelease;
  const held = engineStatus === 'REFUND_PENDING' && release !== undefined && !releaseConditionMet(release.mode, base.returnLeg);
  const status: CaseStatus = held ? 'AWAITING_RETURN' : engineStatus;
  if (input.fromStatus !== null) assertTransition(input.fromStatus, status);
  // The return window's deadline is not a staff deadline: a case leaving AWAITING_RETURN for a
  // person starts the staff clock at its level.
  const staffDueAt = base.status === 'AWAITING_RETURN' ? undefined : base.dueAt;

  const refundDue = status === 'REFUND_PENDING' || held;
  let next: CaseRecord = {
    ...base,
    status,
    priority: decision.priority === 'URGENT' || base.priority === 'URGENT' ? 'URGENT' : 'NORMAL',
    decision: decisionForCase(decision),
    decisionCount: (base.decisionCount ?? 0) + 1,
    // A first decision starts the first-response clock; a re-decision keeps the deadline
    // the case already runs against (escalation moves it, not new facts). A case whose
    // watch staff ended (approval, override, a hold with the manager) needs a new answer:
    // its clock restarts at its level.
    dueAt:
      staffDueAt ??
      ((base.decisionCount ?? 0) === 0 ? decision.firstResponseDueAt : resolutionDueAt(base.escalationLevel, input.policy, input.now)),
    ledger: ledgerFor(decision, base.return),
    // A staff approval or override was of the previous decision; this one awaits its own.
    resolution: undefined,
    recommendation: undefined,
  };
  const events: HistoryEvent[] = [
    {
      caseId: base.caseId,
      version: base.version,
      seq: input.firstSeq,
      at: input.now,
      actor: input.actor,
      action: 'DECISION_MADE',
      fromStatus: input.fromStatus,
      toStatus: status,
      details: { trigger: input.trigger, decision },
    },
  ];
  // A refund still held for the goods belongs to the decision being replaced: withdrawn in
  // this same write (nothing was queued for it), so no case keeps a held refund it no longer owes.
  const heldBefore = next.refund?.status === 'HELD' ? next.refund : undefined;
  if (heldBefore !== undefined) {
    next = { ...next, refund: { ...heldBefore, status: 'CANCELLED' } };
    events.push({
      caseId: base.caseId,
      version: base.version,
      seq: input.firstSeq + 1,
      at: input.now,
      actor: input.actor,
      action: 'REFUND_WITHDRAWN',
      fromStatus: status,
      toStatus: status,
      details: { refundId: heldBefore.refundId, reason: 'DECIDED_AGAIN' },
    });
  }
  if (!refundDue) return { next, events };
  const due = refundDueOrHeld(next, {
    amount: decision.refund.amount,
    currency: decision.refund.currency,
    release,
    now: input.now,
    actor: input.actor,
    seq: input.firstSeq + events.length,
    policy: input.policy,
    windowDueAt: base.status === 'AWAITING_RETURN' ? base.dueAt : undefined,
  });
  return { next: due.next, events: [...events, ...due.events], ...(due.outbox === undefined ? {} : { outbox: due.outbox }) };
}

/**
 * A refund owed on a case being written: held until the goods are back when its release
 * needs them (return-leg.ts holdRefund: AWAITING_RETURN, no outbox), made due otherwise
 * (makeRefundDue: REFUND_PENDING, outbox). The engine's decision and a staff approval or
 * override both come through here.
 */
export function refundDueOrHeld(
  base: CaseRecord,
  input: {
    amount: number;
    currency: string;
    release: RefundRelease | undefined;
    now: string;
    actor: Actor;
    seq: number;
    policy: Policy;
    windowDueAt?: string | undefined;
  },
): { next: CaseRecord; events: HistoryEvent[]; outbox?: OutboxRecord } {
  const { release } = input;
  if (release !== undefined && !releaseConditionMet(release.mode, base.returnLeg)) {
    return holdRefund(base, { ...input, release, refundId: refundIdFor(base.caseId, base.version) });
  }
  const { dueAt: _returnWindow, ...rest } = base;
  const due = makeRefundDue(base.status === 'AWAITING_RETURN' ? rest : base, {
    amount: input.amount,
    currency: input.currency,
    now: input.now,
    actor: input.actor,
    seq: input.seq,
    ...(release === undefined ? {} : { release }),
  });
  return due;
}

/**
 * Releases the refund a case holds (return-leg.ts), on a case being written whose release
 * condition now holds: the same refund id and amount, made due through makeRefundDue (the
 * outbox record in the caller's transaction, the queue, the worker), the return window's
 * deadline removed. Events: REFUND_RELEASED, then REFUND_DUE.
 */
export function releaseHeldRefund(
  base: CaseRecord,
  input: { now: string; actor: Actor; seq: number; trigger: string },
): { next: CaseRecord; events: HistoryEvent[]; outbox: OutboxRecord } {
  const held = base.refund;
  if (held === undefined || held.status !== 'HELD') throw new Error(`Case ${base.caseId} holds no refund to release`);
  const { dueAt: _returnWindow, ...rest } = base;
  const released: HistoryEvent = {
    caseId: base.caseId,
    version: base.version,
    seq: input.seq,
    at: input.now,
    actor: input.actor,
    action: 'REFUND_RELEASED',
    fromStatus: base.status,
    toStatus: 'REFUND_PENDING',
    details: { refundId: held.refundId, amount: held.amount, currency: held.currency, release: held.release, trigger: input.trigger },
  };
  const due = makeRefundDue(rest, {
    amount: held.amount,
    currency: held.currency,
    now: input.now,
    actor: input.actor,
    seq: input.seq + 1,
    refundId: held.refundId,
    ...(held.release === undefined ? {} : { release: held.release }),
  });
  return { next: due.next, events: [released, ...due.events], outbox: due.outbox };
}

/**
 * Makes a refund due on a case that is being written (its version already advanced): the
 * refund record, the REFUND_PENDING status, the REFUND_DUE history event and the outbox
 * record holding the exact queue message. Every path that owes the buyer money (the
 * engine's decision, a staff approval or override, an escalation's default resolution)
 * goes through here, so they all reach the same queue and worker.
 *
 * `base` is the whole case or, for a writer that patches the case without reading it
 * (the escalation sweep), only the fields the refund needs; `next` is `base` plus the
 * refund and the status.
 */
export function makeRefundDue<T extends Pick<CaseRecord, 'caseId' | 'sellerId' | 'version'>>(
  base: T,
  input: { amount: number; currency: string; now: string; actor: Actor; seq: number; refundId?: string; release?: RefundRelease },
): { next: T & Pick<CaseRecord, 'status' | 'refund'>; events: HistoryEvent[]; outbox: OutboxRecord } {
  if (!Number.isInteger(input.amount) || input.amount <= 0) {
    throw new RangeError(`A refund must be a positive whole number of minor units, got ${input.amount}`);
  }
  // A released refund keeps the id it was held under; any other is new at this version.
  const refundId = input.refundId ?? refundIdFor(base.caseId, base.version);
  const refund: RefundRecord = {
    refundId,
    amount: input.amount,
    currency: input.currency,
    status: 'PENDING',
    decidedAtVersion: base.version,
    dueAt: input.now,
    ...(input.release === undefined ? {} : { release: input.release }),
  };
  const next = { ...base, status: 'REFUND_PENDING' as const, refund };
  const message: RefundMessage = {
    schemaVersion: REFUND_MESSAGE_VERSION,
    refundId,
    caseId: base.caseId,
    sellerId: base.sellerId,
    amount: input.amount,
    currency: input.currency,
    decidedAtVersion: base.version,
  };
  const events: HistoryEvent[] = [
    {
      caseId: base.caseId,
      version: base.version,
      seq: input.seq,
      at: input.now,
      actor: input.actor,
      action: 'REFUND_DUE',
      fromStatus: 'REFUND_PENDING',
      toStatus: 'REFUND_PENDING',
      details: {
        refundId,
        amount: input.amount,
        currency: input.currency,
        ...(input.release === undefined ? {} : { release: input.release }),
      },
    },
  ];
  return { next, events, outbox: { caseId: base.caseId, refundId, createdAt: input.now, message } };
}
