import {
  type Actor,
  assertTransition,
  type CaseRecord,
  type CaseStatus,
  caseIdFor,
  type HistoryEvent,
  isOpenToDecision,
  isTerminal,
  type RefundRecord,
} from './case.ts';
import { ConflictError, IllegalTransitionError, NotFoundError } from '../contract/errors.ts';
import { applyReturnLegUpdate } from './return-leg-step.ts';
import { applyReplacementShipment } from './reship.ts';
import type { Policy } from '../decision/policy.ts';
import { decideCase, type OutboxRecord, recommendationForStaff } from './decision-step.ts';
import { withFollowUp } from './follow-up.ts';
import type { WebhookPayload } from '../contract/return-payload.ts';
import { syncCarrierClaim } from './carrier-claim.ts';
import { requestAppeal } from './appeal.ts';

/**
 * What a marketplace event does to a case, as a pure function of the case as read and the
 * event. The caller stores the result atomically, conditional on the version it read.
 */
export type LifecycleOutcome =
  | {
      readonly kind: 'CHANGE';
      readonly next: CaseRecord;
      readonly events: readonly HistoryEvent[];
      readonly outbox?: OutboxRecord;
      /** An outbox record this change makes moot (a cancelled refund), removed in the same write. */
      readonly clearOutbox?: { readonly caseId: string; readonly refundId: string };
    }
  | { readonly kind: 'IGNORED'; readonly caseId: string; readonly reason: string; readonly status: CaseStatus | null };

type EventContext = { readonly marketplace: string; readonly now: string; readonly policy: Policy };

function event(
  base: CaseRecord,
  fields: Pick<HistoryEvent, 'action' | 'fromStatus' | 'toStatus' | 'details'> & { actor: Actor; seq: number },
  at: string,
): HistoryEvent {
  return { caseId: base.caseId, version: base.version, at, ...fields };
}

/**
 * Applies one canonical marketplace event.
 *
 * Steps:
 * 1. `return.requested` / `return.updated` on an unknown return create it: the marketplace
 *    sends full snapshots, so an update that overtook its request still carries everything.
 *    (A cancellation of an unknown return is held by the caller until the return arrives:
 *    see receiveWebhook; here it is only IGNORED.)
 * 2. An event about a known return that names another seller or order is refused
 *    (ConflictError), whatever its type; then an event older than the newest one applied is
 *    ignored (out-of-order delivery).
 * 3. A snapshot replaces the stored return facts; `return.requested` for a known return is
 *    a duplicate and changes nothing.
 * 4. New or changed facts run the rule chain again (decideCase) while the case is still
 *    open to a decision, and also while an engine-made refund waits unclaimed in the queue
 *    (it is withdrawn first); once the worker has claimed or paid it, or staff resolved the
 *    case, the facts are kept and the decision stands.
 * 5. `return.cancelled` moves the case to CANCELLED where the state machine allows it and
 *    throws IllegalTransitionError where it does not (a refund already under way).
 * 6. A snapshot of a return whose case is terminal (CANCELLED, CLOSED) is acknowledged and
 *    ignored: the state machine allows no move out of those, not even to themselves.
 */
export function applyMarketplaceEvent(existing: CaseRecord | undefined, payload: WebhookPayload, ctx: EventContext): LifecycleOutcome {
  const outcome = applyEvent(existing, payload, ctx);
  if (outcome.kind === 'IGNORED') return outcome;
  // A decision that puts cost on the carrier opens (or moves) its carrier claim (#19).
  const synced = syncCarrierClaim(outcome, { now: ctx.now, policy: ctx.policy, actor: { kind: 'MARKETPLACE', id: ctx.marketplace } });
  return existing === undefined ? synced : flagRefundAboveAmountPaid(existing, synced, ctx);
}

/**
 * A snapshot that lowers what the buyer paid below what has already been refunded (a price
 * corrected, a partial charge reversed by the marketplace) cannot take money back: the refund
 * stands. It is recorded for staff and counted like a reconciliation mismatch
 * (REFUNDED_ABOVE_AMOUNT_PAID, metric ReconciliationMismatches), once per lowering: a snapshot
 * that repeats the same amount flags nothing more.
 */
function flagRefundAboveAmountPaid(
  existing: CaseRecord,
  outcome: Extract<LifecycleOutcome, { kind: 'CHANGE' }>,
  ctx: EventContext,
): Extract<LifecycleOutcome, { kind: 'CHANGE' }> {
  const before = existing.return.money;
  const after = outcome.next.return.money;
  const refunded = existing.refundedTotal ?? (existing.refund?.status === 'APPLIED' ? existing.refund.amount : 0);
  if (after.currency !== before.currency || after.amountPaid >= before.amountPaid || after.amountPaid >= refunded) return outcome;
  const last = outcome.events.at(-1);
  const status = outcome.next.status;
  const flag: HistoryEvent = {
    caseId: outcome.next.caseId,
    version: outcome.next.version,
    seq: outcome.events.length,
    at: ctx.now,
    actor: { kind: 'MARKETPLACE', id: ctx.marketplace },
    action: 'REFUNDED_ABOVE_AMOUNT_PAID',
    fromStatus: last?.toStatus ?? status,
    toStatus: last?.toStatus ?? status,
    details: { amountPaid: after.amountPaid, previousAmountPaid: before.amountPaid, refunded, currency: after.currency },
  };
  return { ...outcome, events: [...outcome.events, flag] };
}

function applyEvent(existing: CaseRecord | undefined, payload: WebhookPayload, ctx: EventContext): LifecycleOutcome {
  const caseId = caseIdFor(ctx.marketplace, payload.return.marketplaceReturnId);
  const actor: Actor = { kind: 'MARKETPLACE', id: ctx.marketplace };
  const details = { deliveryId: payload.deliveryId, eventType: payload.eventType, occurredAt: payload.occurredAt };

  if (existing !== undefined) assertSameSellerAndOrder(existing, payload);
  if (payload.eventType === 'replacement.shipment') {
    if (existing === undefined) {
      throw new NotFoundError(`Return ${payload.return.marketplaceReturnId} is not known: a replacement shipment needs its case first`);
    }
    const step = applyReplacementShipment(existing, payload.replacement, { ...ctx, actor, details });
    if (step === undefined) return { kind: 'IGNORED', caseId, reason: 'NOTHING_NEW_ON_REPLACEMENT', status: existing.status };
    return { kind: 'CHANGE', ...step };
  }
  if (payload.eventType === 'return.shipment') {
    // The return parcel: merged (scans are a set), so its events apply in any order.
    if (existing === undefined) {
      throw new NotFoundError(`Return ${payload.return.marketplaceReturnId} is not known: a return shipment needs its return first`);
    }
    const step = applyReturnLegUpdate(existing, payload.shipment, { ...ctx, actor, trigger: payload.eventType, details });
    if (step === undefined) return { kind: 'IGNORED', caseId, reason: 'NOTHING_NEW_ON_RETURN_SHIPMENT', status: existing.status };
    return { kind: 'CHANGE', ...step };
  }
  if (existing !== undefined && Date.parse(payload.occurredAt) < Date.parse(existing.lastEventAt)) {
    return { kind: 'IGNORED', caseId, reason: 'OLDER_THAN_APPLIED_EVENT', status: existing.status };
  }

  if (payload.eventType === 'return.appealed') {
    if (existing === undefined) return { kind: 'IGNORED', caseId, reason: 'UNKNOWN_RETURN', status: null };
    const step = requestAppeal(existing, { ...ctx, actor, details, occurredAt: payload.occurredAt });
    return step.kind === 'IGNORED'
      ? { kind: 'IGNORED', caseId, reason: step.reason, status: existing.status }
      : { kind: 'CHANGE', next: step.next, events: step.events };
  }

  if (payload.eventType === 'return.cancelled') {
    if (existing === undefined) {
      return { kind: 'IGNORED', caseId, reason: 'UNKNOWN_RETURN', status: null };
    }
    if (existing.status === 'CANCELLED') {
      return { kind: 'IGNORED', caseId, reason: 'ALREADY_CANCELLED', status: existing.status };
    }
    assertTransition(existing.status, 'CANCELLED');
    if (
      existing.refund !== undefined &&
      existing.refund.status !== 'PENDING' &&
      existing.refund.status !== 'HELD' &&
      existing.refund.status !== 'CANCELLED'
    ) {
      throw new IllegalTransitionError(
        `Return ${existing.marketplaceReturnId} cannot be cancelled: its refund is ${existing.refund.status.toLowerCase()}`,
      );
    }
    // A queued refund (its outbox record removed too) or one held for the goods: neither is paid.
    const pendingRefund = existing.refund?.status === 'PENDING' || existing.refund?.status === 'HELD' ? existing.refund : undefined;
    const queued = existing.refund?.status === 'PENDING';
    const next: CaseRecord = {
      ...existing,
      status: 'CANCELLED',
      version: existing.version + 1,
      updatedAt: ctx.now,
      lastEventAt: payload.occurredAt,
      ...(pendingRefund === undefined ? {} : { refund: { ...pendingRefund, status: 'CANCELLED' as const } }),
    };
    return {
      kind: 'CHANGE',
      next,
      events: [
        event(
          next,
          {
            action: 'RETURN_CANCELLED',
            fromStatus: existing.status,
            toStatus: 'CANCELLED',
            details: { ...details, ...(pendingRefund ? { cancelledRefundId: pendingRefund.refundId } : {}) },
            actor,
            seq: 0,
          },
          ctx.now,
        ),
      ],
      ...(pendingRefund === undefined || !queued ? {} : { clearOutbox: { caseId: existing.caseId, refundId: pendingRefund.refundId } }),
    };
  }

  const ret = payload.return;
  if (existing === undefined) {
    const next: CaseRecord = {
      caseId,
      marketplace: ctx.marketplace,
      marketplaceReturnId: ret.marketplaceReturnId,
      orderId: ret.orderId,
      sellerId: ret.sellerId,
      status: 'RECEIVED',
      version: 1,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      lastEventAt: payload.occurredAt,
      priority: ret.safetyHazard === 'NONE' ? 'NORMAL' : 'URGENT',
      escalationLevel: 'AGENT',
      return: ret,
    };
    const received = event(
      next,
      { action: 'CASE_RECEIVED', fromStatus: null, toStatus: 'RECEIVED', details: { ...details, reason: ret.reason }, actor, seq: 0 },
      ctx.now,
    );
    const decided = decideCase(next, {
      policy: ctx.policy,
      now: ctx.now,
      actor,
      trigger: payload.eventType,
      firstSeq: 1,
      fromStatus: 'RECEIVED',
    });
    return {
      kind: 'CHANGE',
      next: decided.next,
      events: [received, ...decided.events],
      ...(decided.outbox ? { outbox: decided.outbox } : {}),
    };
  }

  if (payload.eventType === 'return.requested') {
    return { kind: 'IGNORED', caseId, reason: 'RETURN_ALREADY_RECEIVED', status: existing.status };
  }
  if (isTerminal(existing.status)) {
    // A terminal case (CANCELLED, CLOSED) takes no more changes, not even a new snapshot of
    // its return; acknowledged so the marketplace stops retrying.
    return {
      kind: 'IGNORED',
      caseId,
      reason: existing.status === 'CANCELLED' ? 'ALREADY_CANCELLED' : 'CASE_CLOSED',
      status: existing.status,
    };
  }
  const next: CaseRecord = {
    ...existing,
    version: existing.version + 1,
    updatedAt: ctx.now,
    lastEventAt: payload.occurredAt,
    priority: ret.safetyHazard === 'NONE' && existing.priority === 'NORMAL' ? 'NORMAL' : 'URGENT',
    return: ret,
  };
  const updated = event(
    next,
    { action: 'RETURN_UPDATED', fromStatus: existing.status, toStatus: existing.status, details, actor, seq: 0 },
    ctx.now,
  );
  const keepDecision: LifecycleOutcome = { kind: 'CHANGE', next, events: [updated] };
  if (existing.resolution !== undefined) {
    // A staff decision stands: new facts give a fresh recommendation for staff to confirm, and
    // move the follow-up of a settled repair (a new promised completion, say; follow-up.ts).
    const flagged = recommendationForStaff(next, { policy: ctx.policy, now: ctx.now, actor, trigger: payload.eventType, seq: 1 });
    return flagged === undefined
      ? { ...keepDecision, next: withFollowUp(next, ctx.policy) }
      : { kind: 'CHANGE', next: withFollowUp(flagged.next, ctx.policy), events: [updated, ...flagged.events] };
  }
  const superseded = supersedableRefund(existing);
  if (!isOpenToDecision(existing.status) && superseded === undefined) {
    // Money is moving or the case is over: the new facts are kept, the decision stands.
    return keepDecision;
  }
  // An engine refund nobody has started paying is withdrawn when the new facts lead to
  // another remedy or amount, so the outcome does not depend on whether this update or the
  // request it updates arrived first (the worker skips a refund the case no longer waits for).
  const base: CaseRecord = superseded === undefined ? next : { ...next, refund: { ...superseded, status: 'CANCELLED' } };
  const withdrawn: HistoryEvent[] =
    superseded === undefined
      ? []
      : [
          event(
            next,
            {
              action: 'REFUND_WITHDRAWN',
              fromStatus: existing.status,
              toStatus: existing.status,
              details: { refundId: superseded.refundId, reason: 'NEW_FACTS_BEFORE_PAYMENT' },
              actor,
              seq: 1,
            },
            ctx.now,
          ),
        ];
  const decided = decideCase(base, {
    policy: ctx.policy,
    now: ctx.now,
    actor,
    trigger: payload.eventType,
    firstSeq: 1 + withdrawn.length,
    fromStatus: existing.status,
  });
  if (superseded !== undefined && sameMoney(decided.next, existing)) return keepDecision;
  return {
    kind: 'CHANGE',
    next: decided.next,
    events: [updated, ...withdrawn, ...decided.events],
    ...(decided.outbox ? { outbox: decided.outbox } : {}),
    ...(superseded === undefined || superseded.status !== 'PENDING'
      ? {}
      : { clearOutbox: { caseId: existing.caseId, refundId: superseded.refundId } }),
  };
}

/**
 * The refund a new snapshot may withdraw: one the engine made due (no staff approval or
 * override stands behind it) that the worker has not claimed yet. Once the worker claims it
 * (APPLYING) money may be moving and the decision stands.
 */
function supersedableRefund(c: CaseRecord): RefundRecord | undefined {
  if (c.resolution !== undefined) return undefined;
  if (c.status === 'AWAITING_RETURN') return c.refund?.status === 'HELD' ? c.refund : undefined;
  if (c.status !== 'REFUND_PENDING') return undefined;
  return c.refund?.status === 'PENDING' ? c.refund : undefined;
}

/** The same remedy and the same refund: a re-decision would only churn the queue. */
function sameMoney(a: CaseRecord, b: CaseRecord): boolean {
  return (
    a.status === b.status &&
    a.decision?.remedy === b.decision?.remedy &&
    a.refund?.amount === b.refund?.amount &&
    a.refund?.currency === b.refund?.currency
  );
}

/**
 * Every event about a known return must name the case's own seller and order: an event that
 * names another is refused whole (409), whatever its type, so no delivery can cancel or
 * rewrite another seller's case.
 */
function assertSameSellerAndOrder(existing: CaseRecord, payload: WebhookPayload): void {
  const named = payload.return;
  if (named.sellerId !== existing.sellerId || named.orderId !== existing.orderId) {
    throw new ConflictError(`Return ${named.marketplaceReturnId} belongs to another seller or order than the ${payload.eventType} names`);
  }
}
