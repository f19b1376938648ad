import { describe, expect, it } from 'vitest';
import { ConflictError, IllegalTransitionError, NotFoundError } from '#lib/contract/errors.ts';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy, parsePolicy, type Policy } from '#lib/decision/policy.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { dueCaseOf, planEscalation, returnNotArrived } from '#lib/workflow/escalation.ts';
import { applyMarketplaceEvent, type LifecycleOutcome } from '#lib/workflow/lifecycle.ts';
import { releaseConditionMet } from '#lib/workflow/return-leg.ts';
import { applyReturnLegUpdate } from '#lib/workflow/return-leg-step.ts';
import { recordInspection, recordReturnReceipt, recordReturnShipment } from '#lib/workflow/return-leg-staff.ts';
import { addStaffEvidence, approveDecision, overrideDecision } from '#lib/workflow/staff-actions.ts';
import { aCancellation, aReturn, aReturnShipment, aWebhook } from '#test/support/webhook-factory.ts';

/** The return leg (#15): refunds that need the goods back wait for them, as policy says. */

const now = '2026-11-06T10:00:00.000Z';
const ctx = (policy: Policy = defaultPolicy) => ({ marketplace: 'm1', now, policy });
const parse = (p: unknown) => WebhookPayloadSchema.parse(p);
const DAY = 86_400_000;

function changed(out: LifecycleOutcome): Extract<LifecycleOutcome, { kind: 'CHANGE' }> {
  if (out.kind !== 'CHANGE') throw new Error(`expected a change, got ${out.reason}`);
  return out;
}

function intake(overrides: Parameters<typeof aReturn>[0] = {}, policy: Policy = defaultPolicy) {
  const ret = aReturn(overrides);
  return { ret, case: changed(applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx(policy))).next };
}

const policyWith = (release: Record<string, unknown>) =>
  parsePolicy({ ...defaultPolicy, returnLeg: { ...defaultPolicy.returnLeg, release: { ...defaultPolicy.returnLeg.release, ...release } } });

describe('when the refund is released (policy, shown in the decision with its reason)', () => {
  it('a return and refund is held until the seller receives the goods (policy default ON_RECEIPT)', () => {
    const { case: held } = intake();
    expect(held.status).toBe('AWAITING_RETURN');
    expect(held.decision?.refundRelease).toEqual({ mode: 'ON_RECEIPT', reason: expect.stringContaining('receives the return') });
    expect(held.refund).toMatchObject({ status: 'HELD', release: { mode: 'ON_RECEIPT' } });
    expect(held.returnLeg?.shipBy).toBe(new Date(Date.parse(now) + 14 * DAY).toISOString());
  });

  it('an item worth less than the trip back is refunded at decision, without a return (RETURNLESS), and no label is booked', () => {
    const cheap = intake({ money: { currency: 'CNY', itemValue: 2_500, amountPaid: 2_500, shippingCost: 800 } });
    expect(cheap.case.decision?.refundRelease).toMatchObject({ mode: 'RETURNLESS', reason: expect.stringContaining('returnless limit') });
    expect(cheap.case.status).toBe('REFUND_PENDING');
    expect(cheap.case.ledger?.map((l) => l.kind)).not.toContain('RETURN_SHIPPING');
    const bulky = intake({ money: { currency: 'CNY', itemValue: 10_000, amountPaid: 10_000, shippingCost: 6_000 } });
    expect(bulky.case.decision?.refundRelease).toMatchObject({ mode: 'RETURNLESS', reason: expect.stringContaining('return shipping') });
    expect(bulky.case.status).toBe('REFUND_PENDING');
  });

  it('a buyer under the claim-rate threshold is refunded at the first carrier scan; one above it on receipt', () => {
    const trusted = intake({ signals: { buyerClaimRate: 0.02 } });
    expect(trusted.case.refund?.release?.mode).toBe('FIRST_SCAN');
    const scanned = applyMarketplaceEvent(
      trusted.case,
      parse(aReturnShipment(trusted.ret, { receivedAt: undefined, scans: [{ type: 'PICKED_UP', at: '2026-11-07T09:00:00Z' }] })),
      ctx(),
    );
    expect(changed(scanned).next.status).toBe('REFUND_PENDING');
    expect(changed(scanned).events.map((e) => e.action)).toEqual(['RETURN_LEG_RECORDED', 'REFUND_RELEASED', 'REFUND_DUE']);

    const usual = intake({ signals: { buyerClaimRate: 0.2 } });
    expect(usual.case.refund?.release?.mode).toBe('ON_RECEIPT');
    const inTransit = changed(applyMarketplaceEvent(usual.case, parse(aReturnShipment(usual.ret, { receivedAt: undefined })), ctx()));
    expect(inTransit.next.status).toBe('AWAITING_RETURN');
    expect(inTransit.outbox).toBeUndefined();
    // Shipped: the return window no longer watches the case; the arrival deadline does (first scan + 21 days).
    expect(inTransit.next.dueAt).toBe('2026-11-28T09:00:00.000Z');
    const arrived = changed(applyMarketplaceEvent(inTransit.next, parse(aReturnShipment(usual.ret)), ctx()));
    expect(arrived.next.status).toBe('REFUND_PENDING');
    expect(arrived.next.dueAt).toBeUndefined();
    expect(arrived.outbox?.message).toMatchObject({ refundId: usual.case.refund?.refundId, amount: 39_900 });
  });

  it('ON_RETURN_DELIVERED releases on the carrier’s delivered-to-seller scan; ON_INSPECTION only after an inspection', () => {
    const delivered = intake({}, policyWith({ mode: 'ON_RETURN_DELIVERED', firstScanMaxClaimRate: undefined }));
    expect(delivered.case.refund?.release?.mode).toBe('ON_RETURN_DELIVERED');
    const scan = parse(
      aReturnShipment(delivered.ret, { receivedAt: undefined, scans: [{ type: 'DELIVERED_TO_SELLER', at: '2026-11-08T09:00:00Z' }] }),
    );
    expect(changed(applyMarketplaceEvent(delivered.case, scan, ctx())).next.status).toBe('REFUND_PENDING');

    expect(releaseConditionMet('ON_INSPECTION', { scans: [], receivedAt: now })).toBe(false);
    expect(releaseConditionMet('ON_INSPECTION', { scans: [], inspection: { outcome: 'AS_SENT', inspectedAt: now } })).toBe(true);
    expect(releaseConditionMet('ON_RECEIPT', { scans: [{ type: 'DELIVERED_TO_SELLER', at: now }] })).toBe(false);
    expect(releaseConditionMet('FIRST_SCAN', { scans: [{ type: 'LOST', at: now }] })).toBe(false);
  });

  it('a release is exactly once: the same receipt again is acknowledged and changes nothing', () => {
    const { ret, case: held } = intake();
    const receipt = parse(aReturnShipment(ret));
    const released = changed(applyMarketplaceEvent(held, receipt, ctx()));
    expect(applyMarketplaceEvent(released.next, receipt, ctx())).toMatchObject({
      kind: 'IGNORED',
      reason: 'NOTHING_NEW_ON_RETURN_SHIPMENT',
    });
  });
});

describe('inspection feeds the decision', () => {
  const inspect = (c: CaseRecord, inspection: Record<string, unknown>) =>
    applyReturnLegUpdate(
      c,
      {
        carrier: 'sf-express',
        trackingNumber: 'SFRET0001',
        receivedAt: '2026-11-09T09:00:00Z',
        inspection: { inspectedAt: '2026-11-09T10:00:00Z', ...inspection } as never,
      },
      { now, policy: defaultPolicy, actor: { kind: 'MARKETPLACE', id: 'm1' }, trigger: 'return.shipment' },
    );

  it('as sent: the refund is paid in full', () => {
    const { case: held } = intake();
    const out = inspect(held, { outcome: 'AS_SENT' });
    expect(out?.next.status).toBe('REFUND_PENDING');
    expect(out?.outbox?.message.amount).toBe(39_900);
    expect(out?.next.decision?.reasonCodes).toContain('RETURN_INSPECTED');
  });

  it('used by the buyer (grade C): depreciation and the return label are deducted, itemised, and the ledger says the buyer bears them', () => {
    const { case: held } = intake();
    const out = inspect(held, { outcome: 'USED_OR_DAMAGED_BY_BUYER', conditionGrade: 'C' });
    const refund = out?.next.decision?.refund;
    expect(refund?.deductions).toEqual([
      expect.objectContaining({ code: 'CONDITION_DEPRECIATION', amount: 11_970 }),
      expect.objectContaining({ code: 'RETURN_SHIPPING', amount: 1_200 }),
    ]);
    expect(refund?.amount).toBe(39_900 - 11_970 - 1_200);
    // Paid: the re-decided amount, never more than the amount paid.
    expect(out?.outbox?.message.amount).toBe(refund?.amount);
    expect(out?.events.map((e) => e.action)).toEqual(['RETURN_LEG_RECORDED', 'REFUND_WITHDRAWN', 'DECISION_MADE', 'REFUND_DUE']);
    const ledger = out?.next.ledger ?? [];
    expect(ledger.filter((l) => l.kind === 'DEDUCTION').every((l) => l.bornBy === 'BUYER')).toBe(true);
    expect(ledger.find((l) => l.kind === 'RETURN_SHIPPING')).toMatchObject({ paidBy: 'SELLER', bornBy: 'BUYER' });
  });

  it('parts missing: the policy share is deducted', () => {
    const { case: held } = intake();
    const out = inspect(held, { outcome: 'PARTS_MISSING' });
    expect(out?.next.decision?.refund.deductions.map((d) => d.code)).toEqual(['PARTS_MISSING', 'RETURN_SHIPPING']);
    expect(out?.next.decision?.refund.amount).toBe(39_900 - 7_980 - 1_200);
  });

  it('not the item sent (a possible swap): a person reviews, nothing is paid', () => {
    const { case: held } = intake();
    const out = inspect(held, { outcome: 'NOT_THE_ITEM_SENT', foundSkuOrSerial: 'SN-OTHER' });
    expect(out?.next.status).toBe('NEEDS_REVIEW');
    expect(out?.next.decision?.reviewReasons).toContain('FRAUD_RISK');
    expect(out?.outbox).toBeUndefined();
    expect(out?.next.refund?.status).toBe('CANCELLED');
  });
});

describe('bad input: refused, nothing computed', () => {
  it('a return shipment for an unknown return is 404; for another seller’s case 409', () => {
    const ret = aReturn();
    expect(() => applyMarketplaceEvent(undefined, parse(aReturnShipment(ret)), ctx())).toThrow(NotFoundError);
    const { case: held } = intake({ marketplaceReturnId: ret.marketplaceReturnId, orderId: ret.orderId });
    expect(() => applyMarketplaceEvent(held, parse(aReturnShipment({ ...ret, sellerId: 'someone-else' })), ctx())).toThrow(ConflictError);
  });

  it('a receipt before any shipment is known is refused where the policy requires one, allowed where it does not', () => {
    const { case: held } = intake();
    const receipt = { receivedAt: '2026-11-09T09:00:00Z' };
    const actor = { kind: 'STAFF' as const, id: 'u1', role: 'agent' };
    expect(() => applyReturnLegUpdate(held, receipt, { now, policy: defaultPolicy, actor, trigger: 'staff' })).toThrow(
      /no return shipment/,
    );
    const lenient = parsePolicy({ ...defaultPolicy, returnLeg: { ...defaultPolicy.returnLeg, receiptRequiresShipment: false } });
    expect(applyReturnLegUpdate(held, receipt, { now, policy: lenient, actor, trigger: 'staff' })?.next.status).toBe('REFUND_PENDING');
  });

  it('an inspection of a cancelled case is refused (409 naming its status)', () => {
    const { ret, case: held } = intake();
    const cancelled = changed(applyMarketplaceEvent(held, parse(aCancellation(ret)), ctx())).next;
    expect(() =>
      applyMarketplaceEvent(
        cancelled,
        parse(aReturnShipment(ret, { inspection: { outcome: 'AS_SENT', inspectedAt: '2026-11-09T10:00:00Z' } })),
        ctx(),
      ),
    ).toThrow(IllegalTransitionError);
    expect(() =>
      applyMarketplaceEvent(
        cancelled,
        parse(aReturnShipment(ret, { inspection: { outcome: 'AS_SENT', inspectedAt: '2026-11-09T10:00:00Z' } })),
        ctx(),
      ),
    ).toThrow(/is cancelled: it takes no inspection/);
  });

  it('the contract refuses a used-or-damaged inspection without a condition grade, naming the field', () => {
    const ret = aReturn();
    const result = WebhookPayloadSchema.safeParse(
      aReturnShipment(ret, { inspection: { outcome: 'USED_OR_DAMAGED_BY_BUYER', inspectedAt: now } }),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('shipment.inspection.conditionGrade');
  });
});

describe('return window (same sweep as escalation)', () => {
  it('reminds the buyer before the deadline, then closes the case as not returned with no refund', () => {
    const { case: held } = intake();
    const due = dueCaseOf(held);
    expect(due?.dueAt).toBe(new Date(Date.parse(now) + 11 * DAY).toISOString());
    expect(due?.facts.returnWindow?.shipBy).toBe(held.returnLeg?.shipBy);
    if (due === undefined) throw new Error('due');
    expect(planEscalation(due, { now: new Date(Date.parse(now) + 10 * DAY).toISOString(), policy: defaultPolicy })).toMatchObject({
      kind: 'SKIP',
      reason: 'NOT_DUE',
    });
    const reminder = planEscalation(due, { now: new Date(Date.parse(now) + 12 * DAY).toISOString(), policy: defaultPolicy });
    expect(reminder).toMatchObject({ kind: 'RETURN_REMINDER', set: { dueAt: held.returnLeg?.shipBy }, remove: [] });
    expect(reminder.kind !== 'SKIP' && reminder.events.map((e) => e.action)).toEqual(['RETURN_REMINDER_SENT']);

    const afterReminder = { ...due, version: due.version + 1, dueAt: held.returnLeg?.shipBy ?? '' };
    const closed = planEscalation(afterReminder, { now: new Date(Date.parse(now) + 15 * DAY).toISOString(), policy: defaultPolicy });
    expect(closed).toMatchObject({
      kind: 'CLOSED_NOT_RETURNED',
      set: { status: 'CLOSED', refund: { status: 'CANCELLED', refundId: held.refund?.refundId } },
      remove: ['dueAt'],
    });
    expect(closed.kind !== 'SKIP' && closed.events.map((e) => e.action)).toEqual(['CLOSED_NOT_RETURNED']);
  });

  it('a case whose buyer shipped leaves the return window and runs against the arrival deadline instead', () => {
    const { ret, case: held } = intake();
    const shipped = changed(applyMarketplaceEvent(held, parse(aReturnShipment(ret, { receivedAt: undefined })), ctx())).next;
    const arriveBy = new Date(Date.parse('2026-11-07T09:00:00Z') + defaultPolicy.returnLeg.arriveWithinDays * DAY).toISOString();
    expect(shipped.dueAt).toBe(arriveBy);
    const due = dueCaseOf(shipped);
    expect(due?.facts.returnWindow).toBeUndefined();
    expect(due?.facts.returnInTransit).toEqual({ refundId: held.refund?.refundId });
    // Arrived (received): no deadline at all; the seller's receipt released the refund.
    const arrived = changed(applyMarketplaceEvent(shipped, parse(aReturnShipment(ret)), ctx())).next;
    expect(arrived.dueAt).toBeUndefined();
    expect(dueCaseOf(arrived)).toBeUndefined();
  });
});

describe('a return parcel lost on its way back (the buyer shipped it: the carrier bears the goods)', () => {
  const pickedUp = { type: 'PICKED_UP' as const, at: '2026-11-07T09:00:00Z' };

  it('a LOST scan after pickup releases the held refund at once and books the goods as a carrier claim', () => {
    const { ret, case: held } = intake();
    const lost = changed(
      applyMarketplaceEvent(
        held,
        parse(aReturnShipment(ret, { receivedAt: undefined, scans: [pickedUp, { type: 'LOST', at: '2026-11-12T09:00:00Z' }] })),
        ctx(),
      ),
    );
    // The goods' value opens a claim on the return carrier (#19).
    expect(lost.events.map((e) => e.action)).toEqual([
      'RETURN_LEG_RECORDED',
      'RETURN_LOST_IN_TRANSIT',
      'REFUND_RELEASED',
      'REFUND_DUE',
      'CARRIER_CLAIM_OPENED',
    ]);
    expect(lost.next.carrierClaim).toMatchObject({ state: 'TO_FILE', leg: 'RETURN', carrier: 'sf-express', amount: ret.money.itemValue });
    expect(lost.next).toMatchObject({ status: 'REFUND_PENDING', refund: { refundId: held.refund?.refundId, status: 'PENDING' } });
    expect(lost.next.dueAt).toBeUndefined();
    expect(lost.outbox?.message).toMatchObject({ refundId: held.refund?.refundId, amount: held.refund?.amount });
    expect(lost.next.ledger?.filter((l) => l.kind === 'CARRIER_CLAIM')).toEqual([
      expect.objectContaining({ amount: ret.money.itemValue, paidBy: 'CARRIER', bornBy: 'CARRIER' }),
    ]);
    expect(lost.events[1]?.details).toMatchObject({ reason: 'LOST_SCAN', carrier: 'sf-express', firstScanAt: '2026-11-07T09:00:00.000Z' });
  });

  it('a LOST scan with no pickup proves nothing was shipped: still held, still in the return window', () => {
    const { ret, case: held } = intake();
    const out = changed(
      applyMarketplaceEvent(
        held,
        parse(aReturnShipment(ret, { receivedAt: undefined, scans: [{ type: 'LOST', at: '2026-11-07T09:00:00Z' }] })),
        ctx(),
      ),
    );
    expect(out.next).toMatchObject({ status: 'AWAITING_RETURN', refund: { status: 'HELD' }, dueAt: held.dueAt });
    expect(out.outbox).toBeUndefined();
  });

  it('not arrived by the arrival deadline: the sweep plans RETURN_NOT_ARRIVED and the whole-case step releases the refund once', () => {
    const { ret, case: held } = intake();
    const shipped = changed(
      applyMarketplaceEvent(held, parse(aReturnShipment(ret, { receivedAt: undefined, scans: [pickedUp] })), ctx()),
    ).next;
    const due = dueCaseOf(shipped);
    if (due === undefined) throw new Error('not due');
    const arriveBy = shipped.dueAt as string;
    expect(planEscalation(due, { now: new Date(Date.parse(arriveBy) - 1).toISOString(), policy: defaultPolicy })).toMatchObject({
      kind: 'SKIP',
      reason: 'NOT_DUE',
    });
    const later = new Date(Date.parse(arriveBy) + DAY).toISOString();
    const plan = planEscalation(due, { now: later, policy: defaultPolicy });
    if (plan.kind !== 'RETURN_NOT_ARRIVED') throw new Error(plan.kind);
    expect(plan).toMatchObject({ rule: 'RETURN_ARRIVAL_DEADLINE', deadline: arriveBy, overdueMs: DAY, remove: ['dueAt'] });
    const step = returnNotArrived(shipped, plan, { now: later });
    expect(step.events.map((e) => e.action)).toEqual(['RETURN_LOST_IN_TRANSIT', 'REFUND_RELEASED', 'REFUND_DUE']);
    expect(step.events[0]?.details).toMatchObject({ reason: 'NOT_ARRIVED_IN_TIME', arriveBy });
    expect(step.next).toMatchObject({
      status: 'REFUND_PENDING',
      version: shipped.version + 1,
      refund: { refundId: held.refund?.refundId },
    });
    expect(step.next.dueAt).toBeUndefined();
    expect(step.outbox.refundId).toBe(held.refund?.refundId);
    // A case that moved on since the index entry (arrived meanwhile) is refused, not paid twice.
    const arrived = changed(applyMarketplaceEvent(shipped, parse(aReturnShipment(ret)), ctx())).next;
    expect(() => returnNotArrived({ ...arrived, version: shipped.version }, plan, { now: later })).toThrow(/in transit/);
  });
});

describe('staff decisions stand (#15 item 6)', () => {
  const staff = (role: 'agent' | 'supervisor') => ({
    now,
    actor: { kind: 'STAFF' as const, id: `${role}-1`, role },
    role,
    policy: defaultPolicy,
  });

  it('new marketplace facts after an approval give a fresh recommendation flagged for staff; the approved held refund is not replaced', () => {
    const { ret, case: review } = intake({ evidence: [] });
    const approved = approveDecision(review, staff('agent')).next;
    expect(approved).toMatchObject({ status: 'AWAITING_RETURN', resolution: { kind: 'APPROVED' }, refund: { status: 'HELD' } });
    // The buyer now asks to keep the item for a partial refund, with photos: the engine would decide otherwise.
    const evidence = aReturn().evidence;
    const update = parse(
      aWebhook('return.updated', { ...ret, evidence, requestedRemedy: 'PARTIAL_REFUND' }, { occurredAt: '2026-11-07T00:00:00Z' }),
    );
    const later = changed(applyMarketplaceEvent(approved, update, ctx()));
    expect(later.events.map((e) => e.action)).toEqual(['RETURN_UPDATED', 'RECOMMENDATION_FOR_STAFF']);
    expect(later.next.recommendation).toMatchObject({
      outcome: 'MANUAL_REVIEW',
      reviewReasons: expect.arrayContaining(['NEW_FACTS_AFTER_STAFF_DECISION']),
    });
    expect(later.next.resolution).toEqual(approved.resolution);
    expect(later.next.refund).toEqual(approved.refund);
    expect(later.next.decision).toEqual(approved.decision);
    expect(later.outbox).toBeUndefined();
  });

  it('approving a flagged recommendation settles it: the held refund withdrawn, the recommended remedy and amount, the recommendation cleared', () => {
    const { ret, case: review } = intake({ evidence: [] });
    const approved = approveDecision(review, staff('agent')).next;
    const update = parse(
      aWebhook(
        'return.updated',
        { ...ret, evidence: aReturn().evidence, requestedRemedy: 'PARTIAL_REFUND' },
        { occurredAt: '2026-11-07T00:00:00Z' },
      ),
    );
    const flagged = changed(applyMarketplaceEvent(approved, update, ctx())).next;
    const recommendation = flagged.recommendation;
    if (recommendation === undefined) throw new Error('a recommendation for staff');
    expect(recommendation.recommendedRemedy).not.toBe(approved.resolution?.remedy);

    const confirmed = approveDecision(flagged, staff('supervisor'), { comment: 'photos convince me' });
    expect(confirmed.events[0]).toMatchObject({
      action: 'DECISION_APPROVED',
      details: { confirmed: 'RECOMMENDATION', remedy: recommendation.recommendedRemedy, comment: 'photos convince me' },
    });
    expect(confirmed.events.map((e) => e.action)).toContain('REFUND_WITHDRAWN');
    expect(confirmed.next.recommendation).toBeUndefined();
    expect(confirmed.next.decision).toEqual(recommendation);
    expect(confirmed.next.resolution).toMatchObject({ kind: 'APPROVED', remedy: recommendation.recommendedRemedy });
    const amount = recommendation.refund.amount;
    if (amount > 0) {
      expect(confirmed.next.resolution?.amount).toBe(amount);
      expect(confirmed.next.refund).toMatchObject({ amount });
      expect(confirmed.next.refund?.refundId).not.toBe(approved.refund?.refundId);
    }
  });

  it('approving a recommendation for a paid case tops up only the difference; one at or below what was paid is refused, nothing paid', () => {
    const { case: review } = intake({ evidence: [] });
    const approved = approveDecision(review, staff('supervisor')).next;
    const decided = approved.decision;
    if (decided === undefined) throw new Error('a decision');
    const paid = {
      ...approved,
      status: 'REFUNDED' as const,
      refund: { ...approved.refund!, status: 'APPLIED' as const, amount: 10_000 },
      refundedTotal: 10_000,
    };
    const higher = { ...decided, recommendedRemedy: 'FULL_REFUND' as const, refund: { ...decided.refund, amount: 30_000 } };
    const topped = approveDecision({ ...paid, recommendation: higher }, staff('supervisor'));
    expect(topped.outbox?.message.amount).toBe(20_000);
    expect(topped.events[0]).toMatchObject({
      action: 'DECISION_APPROVED',
      details: { alreadyPaid: 10_000, topUp: 20_000, confirmed: 'RECOMMENDATION' },
    });
    expect(topped.next).toMatchObject({ status: 'REFUND_PENDING', resolution: { kind: 'APPROVED', amount: 30_000 } });
    expect(topped.next.recommendation).toBeUndefined();

    const lower = { ...decided, recommendedRemedy: 'PARTIAL_REFUND' as const, refund: { ...decided.refund, amount: 5_000 } };
    expect(() => approveDecision({ ...paid, recommendation: lower }, staff('supervisor'))).toThrow(IllegalTransitionError);
  });

  it('an inspection after a staff override is a recommendation too; the overridden amount is released, never the engine’s', () => {
    const { ret, case: review } = intake({ evidence: [] });
    const overridden = overrideDecision(review, staff('supervisor'), {
      remedy: 'RETURN_AND_REFUND',
      reason: 'goodwill',
      amount: 30_000,
    }).next;
    expect(overridden.refund).toMatchObject({ status: 'HELD', amount: 30_000 });
    const inspected = changed(
      applyMarketplaceEvent(
        overridden,
        parse(
          aReturnShipment(ret, {
            inspection: { outcome: 'USED_OR_DAMAGED_BY_BUYER', conditionGrade: 'B', inspectedAt: '2026-11-09T10:00:00Z' },
          }),
        ),
        ctx(),
      ),
    );
    expect(inspected.events.map((e) => e.action)).toEqual([
      'RETURN_LEG_RECORDED',
      'RECOMMENDATION_FOR_STAFF',
      'REFUND_RELEASED',
      'REFUND_DUE',
    ]);
    expect(inspected.outbox?.message.amount).toBe(30_000);
    expect(inspected.next.recommendation?.reviewReasons).toContain('NEW_FACTS_AFTER_STAFF_DECISION');
    expect(inspected.next.resolution).toEqual(overridden.resolution);
  });
});

describe('a reship followed to the end', () => {
  const replacement = (ret: ReturnType<typeof aReturn>, scans: { type: string; at: string }[], promisedDeliveryAt?: string) =>
    parse({
      schemaVersion: 1,
      eventType: 'replacement.shipment',
      deliveryId: `dlv-${Math.random().toString(36).slice(2)}`,
      occurredAt: '2026-11-10T09:00:00Z',
      return: { marketplaceReturnId: ret.marketplaceReturnId, orderId: ret.orderId, sellerId: ret.sellerId },
      replacement: {
        carrier: 'sf-express',
        trackingNumber: 'SFRPL1',
        scans,
        ...(promisedDeliveryAt === undefined ? {} : { promisedDeliveryAt }),
      },
    });
  function reshipCase() {
    const { ret, case: review } = intake({ evidence: [] });
    const staffCtx = {
      now,
      actor: { kind: 'STAFF' as const, id: 'sup-1', role: 'supervisor' },
      role: 'supervisor' as const,
      policy: defaultPolicy,
    };
    return { ret, case: overrideDecision(review, staffCtx, { remedy: 'RESHIP', reason: 'buyer wants a new one' }).next };
  }

  it('records the replacement’s tracking, and its delivery resolves the case', () => {
    const { ret, case: reship } = reshipCase();
    const inTransit = changed(applyMarketplaceEvent(reship, replacement(ret, [{ type: 'PICKED_UP', at: '2026-11-08T09:00:00Z' }]), ctx()));
    expect(inTransit.next).toMatchObject({ status: 'DECIDED', replacement: { trackingNumber: 'SFRPL1' } });
    const delivered = changed(
      applyMarketplaceEvent(
        inTransit.next,
        replacement(ret, [{ type: 'DELIVERED', at: '2026-11-09T09:00:00Z' }], '2026-11-12T00:00:00Z'),
        ctx(),
      ),
    );
    expect(delivered.next.status).toBe('CLOSED');
    expect(delivered.events.map((e) => e.action)).toEqual(['REPLACEMENT_RECORDED', 'REPLACEMENT_DELIVERED']);
  });

  it('a lost or late replacement re-opens the case for staff, with a fresh deadline', () => {
    const { ret, case: reship } = reshipCase();
    const lost = changed(applyMarketplaceEvent(reship, replacement(ret, [{ type: 'LOST', at: '2026-11-09T09:00:00Z' }]), ctx()));
    expect(lost.next).toMatchObject({ status: 'NEEDS_REVIEW' });
    expect(lost.next.resolution).toBeUndefined();
    expect(lost.next.dueAt).toBeDefined();
    expect(lost.events.at(-1)).toMatchObject({ action: 'REPLACEMENT_FAILED', details: { reason: 'LOST' } });
    const late = changed(
      applyMarketplaceEvent(reship, replacement(ret, [{ type: 'DELIVERED', at: '2026-11-15T09:00:00Z' }], '2026-11-12T00:00:00Z'), ctx()),
    );
    expect(late.next.status).toBe('NEEDS_REVIEW');
    expect(late.events.at(-1)).toMatchObject({ action: 'REPLACEMENT_FAILED', details: { reason: 'LATE' } });
  });

  it('a replacement for a case not settled with a reship is refused (409)', () => {
    const { ret, case: held } = intake();
    expect(() => applyMarketplaceEvent(held, replacement(ret, [{ type: 'PICKED_UP', at: '2026-11-08T09:00:00Z' }]), ctx())).toThrow(
      /not settled with a reship/,
    );
  });
});

describe('staff record the return leg (domain functions of the seller API writes)', () => {
  const staffCtx = { now, actor: { kind: 'STAFF' as const, id: 'agent-1', role: 'agent' }, role: 'agent' as const, policy: defaultPolicy };

  it('shipment, then receipt: the held refund is released with the staff member as actor', () => {
    const { case: held } = intake();
    const shipped = recordReturnShipment(held, staffCtx, {
      carrier: 'dhl',
      trackingNumber: 'RTN1',
      scans: [{ type: 'PICKED_UP', at: '2026-11-06T09:00:00Z' }],
    });
    expect(shipped.next.status).toBe('AWAITING_RETURN');
    expect(shipped.events[0]).toMatchObject({ action: 'RETURN_LEG_RECORDED', actor: { kind: 'STAFF', id: 'agent-1' } });
    const received = recordReturnReceipt(shipped.next, staffCtx, {});
    expect(received.next.status).toBe('REFUND_PENDING');
    expect(received.outbox?.message.amount).toBe(39_900);
    expect(() => recordReturnReceipt(received.next, staffCtx, {})).toThrow(ConflictError);
  });

  it('refuses a receipt before any shipment (policy), an inspection of a cancelled case, and a time in the future', () => {
    const { ret, case: held } = intake();
    expect(() => recordReturnReceipt(held, staffCtx, {})).toThrow(/no return shipment/);
    expect(() =>
      recordReturnShipment(held, staffCtx, {
        carrier: 'dhl',
        trackingNumber: 'RTN1',
        scans: [{ type: 'PICKED_UP', at: '2027-01-01T00:00:00Z' }],
      }),
    ).toThrow(/future/);
    const cancelled = changed(applyMarketplaceEvent(held, parse(aCancellation(ret)), ctx())).next;
    expect(() => recordInspection(cancelled, staffCtx, { outcome: 'AS_SENT' })).toThrow(IllegalTransitionError);
  });

  it('an inspection records the receipt with it and re-decides with deductions', () => {
    const { case: held } = intake();
    const shipped = recordReturnShipment(held, staffCtx, { carrier: 'dhl', trackingNumber: 'RTN1' });
    const inspected = recordInspection(shipped.next, staffCtx, { outcome: 'USED_OR_DAMAGED_BY_BUYER', conditionGrade: 'A' });
    expect(inspected.next.returnLeg?.receivedAt).toBe(now);
    expect(inspected.next.status).toBe('REFUND_PENDING');
    expect(inspected.outbox?.message.amount).toBe(39_900 - 1_200);
  });
});

describe('a held refund never outlives its decision (found by the soak)', () => {
  const staffCtx = {
    now,
    actor: { kind: 'STAFF' as const, id: 'sup-1', role: 'supervisor' },
    role: 'supervisor' as const,
    policy: defaultPolicy,
  };

  it('a staff override of a held return and refund to another remedy withdraws the held refund in the same write', () => {
    const { case: held } = intake();
    const reship = overrideDecision(held, staffCtx, { remedy: 'RESHIP', reason: 'buyer prefers a new one' });
    expect(reship.next).toMatchObject({ status: 'DECIDED', refund: { status: 'CANCELLED', refundId: held.refund?.refundId } });
    expect(reship.events.map((e) => e.action)).toEqual(['DECISION_OVERRIDDEN', 'REFUND_WITHDRAWN']);
  });

  it('staff evidence that sends a held case to review withdraws the held refund', () => {
    const { case: held } = intake();
    const review = addStaffEvidence(held, [{ kind: 'SERIAL_CHECK', finding: 'MISMATCH' }], staffCtx);
    expect(review.next.status).toBe('NEEDS_REVIEW');
    expect(review.next.refund).toMatchObject({ status: 'CANCELLED', refundId: held.refund?.refundId });
    expect(review.events.map((e) => e.action)).toEqual(['EVIDENCE_ADDED', 'DECISION_MADE', 'REFUND_WITHDRAWN']);
  });
});
