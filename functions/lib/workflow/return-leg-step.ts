import type { Policy } from '../decision/policy.ts';
import { type Actor, type CaseRecord, type HistoryEvent, isOpenToDecision, type LedgerLine } from './case.ts';
import { decideCase, type OutboxRecord, recommendationForStaff, releaseHeldRefund } from './decision-step.ts';
import {
  arriveByFor,
  assertReturnLegUpdateAllowed,
  firstScanAt,
  isLostInTransit,
  isShipped,
  mergeReturnLeg,
  releaseConditionMet,
  type ReturnLegUpdate,
} from './return-leg.ts';

export type ReturnLegChange = {
  readonly next: CaseRecord;
  readonly events: readonly HistoryEvent[];
  readonly outbox?: OutboxRecord;
  /** An outbox record this change makes moot (a queued refund withdrawn), removed in the same write. */
  readonly clearOutbox?: { readonly caseId: string; readonly refundId: string };
};

/**
 * Applies what is learnt about the return parcel (a marketplace `return.shipment` event or a
 * staff write) to a case.
 *
 * Steps:
 * 1. Refuse what the case cannot take (assertReturnLegUpdateAllowed: a terminal case; a
 *    receipt before any shipment where the policy forbids it): nothing is written.
 * 2. Merge; nothing new → undefined (the caller acknowledges and writes nothing).
 * 3. Record it (RETURN_LEG_RECORDED, with what is now known); once the parcel is shipped the
 *    return window no longer watches the case: its deadline becomes the arrival deadline
 *    (first scan + arriveWithinDays) while the parcel is in transit, none once it arrived.
 * 4. A new inspection is new evidence: the rule chain decides again (with itemised
 *    deductions) where the engine's decision may still change: a case open to a decision
 *    (including a held refund, withdrawn first) or an engine refund queued and unclaimed
 *    (withdrawn, its outbox record removed in the same write). The new decision is released
 *    at once when the goods are back, otherwise held again.
 * 5. Otherwise a held refund whose release condition now holds is released (REFUND_RELEASED,
 *    REFUND_DUE and its outbox record, in this same write: exactly once).
 * 6. Otherwise a parcel the carrier scanned LOST on its way back: the buyer did their part, so
 *    the held refund is released and the goods become a carrier claim (releaseLostReturn).
 */
export function applyReturnLegUpdate(
  existing: CaseRecord,
  update: ReturnLegUpdate,
  ctx: {
    readonly now: string;
    readonly policy: Policy;
    readonly actor: Actor;
    readonly trigger: string;
    readonly details?: Record<string, unknown>;
  },
): ReturnLegChange | undefined {
  assertReturnLegUpdateAllowed(existing, update, ctx.policy);
  const leg = mergeReturnLeg(existing.returnLeg, update);
  if (leg === undefined) return undefined;

  const advanced: CaseRecord = { ...existing, version: existing.version + 1, updatedAt: ctx.now, returnLeg: leg };
  const shippedNow = existing.status === 'AWAITING_RETURN' && isShipped(leg);
  const { dueAt: _windowMet, ...withoutDeadline } = advanced;
  const arriveBy = shippedNow ? arriveByFor(leg, ctx.policy) : undefined;
  const next: CaseRecord = shippedNow ? { ...withoutDeadline, ...(arriveBy === undefined ? {} : { dueAt: arriveBy }) } : advanced;
  const newInspection =
    update.inspection !== undefined && JSON.stringify(existing.returnLeg?.inspection) !== JSON.stringify(leg.inspection);
  const recorded: HistoryEvent = {
    caseId: next.caseId,
    version: next.version,
    seq: 0,
    at: ctx.now,
    actor: ctx.actor,
    action: 'RETURN_LEG_RECORDED',
    fromStatus: existing.status,
    toStatus: existing.status,
    details: {
      trigger: ctx.trigger,
      ...(ctx.details ?? {}),
      ...(leg.carrier === undefined ? {} : { carrier: leg.carrier }),
      scans: leg.scans.length,
      ...(update.receivedAt === undefined ? {} : { receivedAt: leg.receivedAt }),
      ...(newInspection && leg.inspection !== undefined ? { inspection: leg.inspection } : {}),
      // What is now known, so an audit (and the soak) can check a release against it.
      leg: {
        shipped: isShipped(leg),
        deliveredToSeller: releaseConditionMet('ON_RETURN_DELIVERED', leg),
        received: releaseConditionMet('ON_RECEIPT', leg),
        inspected: leg.inspection !== undefined,
      },
    },
  };

  let current = next;
  const events: HistoryEvent[] = [recorded];
  if (newInspection) {
    const redecided = redecideOnInspection(existing, next, ctx);
    if (redecided !== undefined) return { ...redecided, events: [recorded, ...redecided.events] };
    // A staff decision stands: the inspection gives a fresh recommendation for staff to confirm.
    const flagged = recommendationForStaff(next, { ...ctx, seq: 1 });
    if (flagged !== undefined) {
      current = flagged.next;
      events.push(...flagged.events);
    }
  }
  const held = current.refund;
  if (
    current.status === 'AWAITING_RETURN' &&
    held?.status === 'HELD' &&
    held.release !== undefined &&
    releaseConditionMet(held.release.mode, leg)
  ) {
    const released = releaseHeldRefund(current, { now: ctx.now, actor: ctx.actor, seq: events.length, trigger: ctx.trigger });
    return { next: released.next, events: [...events, ...released.events], outbox: released.outbox };
  }
  if (current.status === 'AWAITING_RETURN' && held?.status === 'HELD' && isLostInTransit(leg)) {
    const released = releaseLostReturn(current, {
      now: ctx.now,
      actor: ctx.actor,
      seq: events.length,
      trigger: ctx.trigger,
      reason: 'LOST_SCAN',
    });
    return { next: released.next, events: [...events, ...released.events], outbox: released.outbox };
  }
  return { next: current, events };
}

/**
 * The return parcel is lost on its way back: scanned LOST, or not arrived by its arrival
 * deadline (the escalation sweep). The buyer shipped it, so the refund held for the goods is
 * released (REFUND_RELEASED, REFUND_DUE, the outbox record: exactly once, with the case's write),
 * and the goods' value becomes a claim on the return carrier in the ledger. `base` is the case
 * as it will be written (version advanced), AWAITING_RETURN with its refund HELD.
 */
export function releaseLostReturn(
  base: CaseRecord,
  input: { now: string; actor: Actor; seq: number; trigger: string; reason: 'LOST_SCAN' | 'NOT_ARRIVED_IN_TIME'; arriveBy?: string },
): { next: CaseRecord; events: HistoryEvent[]; outbox: OutboxRecord } {
  const leg = base.returnLeg;
  const { itemValue, currency } = base.return.money;
  const claim: LedgerLine = {
    kind: 'CARRIER_CLAIM',
    amount: itemValue,
    currency,
    paidBy: 'CARRIER',
    bornBy: 'CARRIER',
    note: 'return parcel lost in transit: claim the goods’ value from the return carrier',
  };
  const withClaim: CaseRecord = { ...base, ledger: [...(base.ledger ?? []), ...(itemValue > 0 ? [claim] : [])] };
  const lost: HistoryEvent = {
    caseId: base.caseId,
    version: base.version,
    seq: input.seq,
    at: input.now,
    actor: input.actor,
    action: 'RETURN_LOST_IN_TRANSIT',
    fromStatus: base.status,
    toStatus: base.status,
    details: {
      reason: input.reason,
      ...(leg?.carrier === undefined ? {} : { carrier: leg.carrier }),
      ...(firstScanAt(leg) === undefined ? {} : { firstScanAt: firstScanAt(leg) }),
      ...(input.arriveBy === undefined ? {} : { arriveBy: input.arriveBy }),
      carrierClaim: itemValue,
      currency,
    },
  };
  const released = releaseHeldRefund(withClaim, { now: input.now, actor: input.actor, seq: input.seq + 1, trigger: input.trigger });
  return { next: released.next, events: [lost, ...released.events], outbox: released.outbox };
}

/** Step 4: decide again with the inspection, where the engine's decision may still change. */
function redecideOnInspection(
  existing: CaseRecord,
  next: CaseRecord,
  ctx: { readonly now: string; readonly policy: Policy; readonly actor: Actor; readonly trigger: string },
): (Omit<ReturnLegChange, 'events'> & { events: HistoryEvent[] }) | undefined {
  if (existing.resolution !== undefined) return undefined; // a staff decision stands
  const refund = existing.refund;
  const withdrawable =
    (existing.status === 'AWAITING_RETURN' && refund?.status === 'HELD') ||
    (existing.status === 'REFUND_PENDING' && refund?.status === 'PENDING');
  if (!withdrawable && !isOpenToDecision(existing.status)) return undefined;
  const withdrawn: HistoryEvent[] = [];
  let base = next;
  if (withdrawable && refund !== undefined) {
    base = { ...next, refund: { ...refund, status: 'CANCELLED' } };
    withdrawn.push({
      caseId: next.caseId,
      version: next.version,
      seq: 1,
      at: ctx.now,
      actor: ctx.actor,
      action: 'REFUND_WITHDRAWN',
      fromStatus: existing.status,
      toStatus: existing.status,
      details: { refundId: refund.refundId, reason: 'RETURN_INSPECTED' },
    });
  }
  const decided = decideCase(base, {
    policy: ctx.policy,
    now: ctx.now,
    actor: ctx.actor,
    trigger: ctx.trigger,
    firstSeq: 1 + withdrawn.length,
    fromStatus: existing.status,
  });
  return {
    next: decided.next,
    events: [...withdrawn, ...decided.events],
    ...(decided.outbox === undefined ? {} : { outbox: decided.outbox }),
    ...(withdrawable && refund?.status === 'PENDING' ? { clearOutbox: { caseId: existing.caseId, refundId: refund.refundId } } : {}),
  };
}
