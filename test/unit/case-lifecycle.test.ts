import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canTransition,
  type CaseRecord,
  type CaseStatus,
  caseIdFor,
  caseStatuses,
  isAwaitingApproval,
  isAwaitingStaff,
  isMoneyMoving,
  isOpenToDecision,
  isTerminal,
} from '#lib/workflow/case.ts';
import { IllegalTransitionError, ConflictError } from '#lib/contract/errors.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import type { Decision } from '#lib/decision/decision-schema.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { aCancellation, aReturn, aReturnShipment, aWebhook } from '#test/support/webhook-factory.ts';
import type { LifecycleOutcome } from '#lib/workflow/lifecycle.ts';

const ctx = { marketplace: 'm1', now: '2026-11-06T10:00:00.000Z', policy: defaultPolicy };
const parse = (p: unknown) => WebhookPayloadSchema.parse(p);

/** The return received by the seller: the held refund is released (REFUND_PENDING, outbox). */
function received(first: LifecycleOutcome, ret: ReturnType<typeof aReturn>): Extract<LifecycleOutcome, { kind: 'CHANGE' }> {
  if (first.kind !== 'CHANGE') throw new Error('expected a change');
  const out = applyMarketplaceEvent(first.next, parse(aReturnShipment(ret)), ctx);
  if (out.kind !== 'CHANGE' || out.next.status !== 'REFUND_PENDING') throw new Error('expected the refund released');
  return out;
}

describe('case state machine', () => {
  it('refuses every move out of a terminal state', () => {
    for (const to of caseStatuses) {
      expect(canTransition('CANCELLED', to)).toBe(false);
      expect(canTransition('CLOSED', to)).toBe(false);
    }
  });

  it('refuses cancelling a refunded case, naming both states', () => {
    expect(() => assertTransition('REFUNDED', 'CANCELLED')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('REFUNDED', 'CANCELLED')).toThrow('A case in REFUNDED cannot move to CANCELLED');
  });

  it('allows the happy path RECEIVED → REFUND_PENDING → REFUNDED → CLOSED', () => {
    expect(canTransition('RECEIVED', 'REFUND_PENDING')).toBe(true);
    expect(canTransition('REFUND_PENDING', 'REFUNDED')).toBe(true);
    expect(canTransition('REFUNDED', 'CLOSED')).toBe(true);
    // The return leg (#15): held for the goods, then released; a paid case only takes a staff top-up.
    expect(canTransition('RECEIVED', 'AWAITING_RETURN')).toBe(true);
    expect(canTransition('AWAITING_RETURN', 'REFUND_PENDING')).toBe(true);
    expect(canTransition('AWAITING_RETURN', 'CLOSED')).toBe(true);
    expect(canTransition('REFUNDED', 'REFUND_PENDING')).toBe(true);
    expect(canTransition('REFUNDED', 'AWAITING_RETURN')).toBe(false);
  });

  it('names each status by what it allows: terminal, money moving, open to a decision, awaiting staff or approval', () => {
    const where = (predicate: (s: CaseStatus) => boolean) => caseStatuses.filter(predicate);
    expect(where(isTerminal)).toEqual(['CANCELLED', 'CLOSED']);
    expect(where(isMoneyMoving)).toEqual(['REFUND_PENDING', 'REFUNDED']);
    expect(where(isOpenToDecision)).toEqual(['RECEIVED', 'DECIDED', 'NEEDS_REVIEW', 'AWAITING_RETURN', 'REJECTED']);
    expect(where(isAwaitingStaff)).toEqual(['RECEIVED', 'DECIDED', 'NEEDS_REVIEW']);
    expect(where(isAwaitingApproval)).toEqual(['DECIDED', 'NEEDS_REVIEW']);
  });

  it('keeps the predicates consistent with the state machine and with each other', () => {
    for (const s of caseStatuses) {
      // Terminal is exactly "cannot even stay": every other status may record an event on itself.
      expect(isTerminal(s), s).toBe(!canTransition(s, s));
      // A status is over, paying out, or open to a decision: exactly one of the three.
      expect([isTerminal(s), isMoneyMoving(s), isOpenToDecision(s)].filter(Boolean), s).toHaveLength(1);
      // Only an open case waits for staff, and only a case waiting for staff waits for an approval.
      if (isAwaitingStaff(s)) expect(isOpenToDecision(s), s).toBe(true);
      if (isAwaitingApproval(s)) expect(isAwaitingStaff(s), s).toBe(true);
    }
  });

  it('derives one stable case id per marketplace return', () => {
    expect(caseIdFor('m1', 'r1')).toBe(caseIdFor('m1', 'r1'));
    expect(caseIdFor('m1', 'r1')).not.toBe(caseIdFor('m2', 'r1'));
    expect(caseIdFor('m1', 'r1')).toMatch(/^cs_[0-9a-f]{24}$/);
  });
});

describe('applying marketplace events', () => {
  it('creates a case, decides it on intake and records both in history', () => {
    const out = applyMarketplaceEvent(undefined, parse(aWebhook()), ctx);
    expect(out.kind).toBe('CHANGE');
    if (out.kind !== 'CHANGE') return;
    // Intact box + defective product photo: the seller's defect, refund within agent authority,
    // held until the goods come back (#15): nothing queued yet.
    expect(out.next).toMatchObject({ status: 'AWAITING_RETURN', version: 1, escalationLevel: 'AGENT', priority: 'NORMAL' });
    expect(out.next.decision?.allocation).toMatchObject({ kind: 'FAULT', dominant: 'seller' });
    expect(out.events.map((e) => [e.action, e.fromStatus, e.toStatus, e.version, e.seq])).toEqual([
      ['CASE_RECEIVED', null, 'RECEIVED', 1, 0],
      ['DECISION_MADE', 'RECEIVED', 'AWAITING_RETURN', 1, 1],
      ['REFUND_HELD', 'AWAITING_RETURN', 'AWAITING_RETURN', 1, 2],
    ]);
    expect(out.next.refund).toMatchObject({ status: 'HELD', amount: 39_900, currency: 'CNY', release: { mode: 'ON_RECEIPT' } });
    expect(out.outbox).toBeUndefined();
    // Received: released through the outbox, under the refund id it was held with.
    const paid = received(out, aReturn({ marketplaceReturnId: out.next.marketplaceReturnId, orderId: out.next.orderId }));
    expect(paid.events.map((e) => e.action)).toEqual(['RETURN_LEG_RECORDED', 'REFUND_RELEASED', 'REFUND_DUE']);
    expect(paid.next.refund).toMatchObject({ status: 'PENDING', refundId: out.next.refund?.refundId });
    expect(paid.outbox?.message).toMatchObject({
      caseId: out.next.caseId,
      amount: out.next.decision?.refund.amount,
      refundId: out.next.refund?.refundId,
    });
  });

  it('keeps the fired rules’ trace on the case and the full trace, every rule evaluated, in the DECISION_MADE event', () => {
    const out = applyMarketplaceEvent(undefined, parse(aWebhook()), ctx);
    if (out.kind !== 'CHANGE') throw new Error(out.kind);
    const full = out.events.find((e) => e.action === 'DECISION_MADE')?.details.decision as Decision;
    const kept = out.next.decision as Decision;
    expect(full.trace).toHaveLength(full.rulesUsed.length);
    expect(full.trace.some((t) => !t.fired)).toBe(true);
    expect(kept.trace).toEqual(full.trace.filter((t) => t.fired));
    expect(kept.trace.length).toBeGreaterThan(0);
    // Everything else is the same decision.
    expect({ ...kept, trace: [] }).toEqual({ ...full, trace: [] });
  });

  it('leaves a refund above the agent limit decided but unpaid, for a supervisor to approve', () => {
    const ret = aReturn({ money: { currency: 'CNY', itemValue: 249_900, amountPaid: 249_900, shippingCost: 1_200 } });
    const out = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (out.kind !== 'CHANGE') throw new Error('expected a change');
    expect(out.next.status).toBe('DECIDED');
    expect(out.next.decision?.authority).toEqual({ requiredRole: 'supervisor', exceedsAgentAuthority: true });
    expect(out.outbox).toBeUndefined();
    expect(out.next.refund).toBeUndefined();
  });

  it('sends a case with contradicting evidence to manual review, never to a verdict against the buyer', () => {
    const ret = aReturn({
      reason: 'LOGISTICS_DAMAGED_IN_TRANSIT',
      evidence: [],
      deliveryInspection: 'UNKNOWN',
    });
    const out = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (out.kind !== 'CHANGE') throw new Error('expected a change');
    expect(out.next.status).toBe('NEEDS_REVIEW');
    expect(out.outbox).toBeUndefined();
  });

  it('re-decides on an update with new evidence and keeps the earlier decision in history', () => {
    const ret = aReturn({ reason: 'LOGISTICS_DAMAGED_IN_TRANSIT', evidence: [], deliveryInspection: 'UNKNOWN' });
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    const withScan = {
      ...ret,
      carrier: { code: 'sf-express', events: [{ type: 'EXCEPTION_DAMAGE' as const, at: '2026-11-03T10:00:00Z' }] },
      evidence: [
        {
          id: 'ev-9',
          kind: 'PACKAGING_PHOTO' as const,
          finding: 'CRUSHED' as const,
          submittedBy: 'BUYER' as const,
          submittedAt: '2026-11-06T09:00:00Z',
        },
        {
          id: 'ev-10',
          kind: 'PRODUCT_PHOTO' as const,
          finding: 'DAMAGED' as const,
          submittedBy: 'BUYER' as const,
          submittedAt: '2026-11-06T09:00:00Z',
        },
      ],
    };
    const second = applyMarketplaceEvent(
      first.next,
      parse(aWebhook('return.updated', withScan, { occurredAt: '2026-11-07T00:00:00Z' })),
      ctx,
    );
    if (second.kind !== 'CHANGE') throw new Error('expected a change');
    expect(second.next.decision?.allocation).toMatchObject({ dominant: 'carrier' });
    expect(second.next.decisionCount).toBe(2);
    expect(second.events.map((e) => e.action)).toEqual(['RETURN_UPDATED', 'DECISION_MADE', 'REFUND_HELD']);
    expect(second.next.ledger?.map((l) => l.kind)).toContain('CARRIER_CLAIM');
  });

  it('withdraws an unclaimed engine refund when new facts change the outcome, and decides again (#13)', () => {
    const ret = aReturn();
    const first = received(applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx), ret);
    if (first.next.refund === undefined) throw new Error('expected a refund');
    expect(first.next.status).toBe('REFUND_PENDING');
    const later = applyMarketplaceEvent(
      first.next,
      parse(aWebhook('return.updated', { ...ret, evidence: [] }, { occurredAt: '2026-11-07T00:00:00Z' })),
      ctx,
    );
    if (later.kind !== 'CHANGE') throw new Error('expected a change');
    expect(later.events.map((e) => e.action)).toEqual(['RETURN_UPDATED', 'REFUND_WITHDRAWN', 'DECISION_MADE']);
    expect(later.next.status).toBe('NEEDS_REVIEW');
    expect(later.next.refund).toMatchObject({ refundId: first.next.refund.refundId, status: 'CANCELLED' });
    expect(later.clearOutbox).toEqual({ caseId: first.next.caseId, refundId: first.next.refund.refundId });
    expect(later.outbox).toBeUndefined();
    // The same end as if the update had arrived before the request: order does not matter.
    const updateFirst = applyMarketplaceEvent(
      undefined,
      parse(aWebhook('return.updated', { ...ret, evidence: [] }, { occurredAt: '2026-11-07T00:00:00Z' })),
      ctx,
    );
    if (updateFirst.kind !== 'CHANGE') throw new Error('expected a change');
    expect(updateFirst.next.status).toBe(later.next.status);
    expect(updateFirst.next.decision?.remedy).toBe(later.next.decision?.remedy);
  });

  it('keeps the refund when new facts lead to the same remedy and amount (no churn)', () => {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    const later = applyMarketplaceEvent(
      first.next,
      parse(aWebhook('return.updated', { ...ret, reasonDetail: 'still leaking' }, { occurredAt: '2026-11-07T00:00:00Z' })),
      ctx,
    );
    if (later.kind !== 'CHANGE') throw new Error('expected a change');
    expect(later.events.map((e) => e.action)).toEqual(['RETURN_UPDATED']);
    expect(later.next.refund).toEqual(first.next.refund);
    expect(later.clearOutbox).toBeUndefined();
  });

  it('keeps the decision once the worker claimed the refund, or when staff resolved the case', () => {
    const ret = aReturn();
    const first = received(applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx), ret);
    if (first.next.refund === undefined) throw new Error('expected a refund');
    const claimed = { ...first.next, refund: { ...first.next.refund, status: 'APPLYING' as const } };
    const resolved = {
      ...first.next,
      resolution: {
        kind: 'APPROVED' as const,
        remedy: 'FULL_REFUND',
        by: { kind: 'STAFF' as const, id: 'u1', role: 'supervisor' },
        at: '2026-11-06T10:00:00Z',
        version: 1,
      },
    };
    for (const current of [claimed, resolved]) {
      const later = applyMarketplaceEvent(
        current,
        parse(aWebhook('return.updated', { ...ret, evidence: [] }, { occurredAt: '2026-11-07T00:00:00Z' })),
        ctx,
      );
      if (later.kind !== 'CHANGE') throw new Error('expected a change');
      // A staff decision stands; the new facts give a recommendation flagged for staff (#15).
      expect(later.events.map((e) => e.action)).toEqual(
        current === resolved ? ['RETURN_UPDATED', 'RECOMMENDATION_FOR_STAFF'] : ['RETURN_UPDATED'],
      );
      expect(later.next.decision).toEqual(first.next.decision);
      expect(later.next.resolution).toEqual(current.resolution);
      expect(later.next.refund).toEqual(current.refund);
      expect(later.outbox).toBeUndefined();
      expect(later.clearOutbox).toBeUndefined();
    }
  });

  it.each(['return.requested', 'return.updated', 'return.cancelled'] as const)(
    'refuses a %s naming another seller or order for a known return (#13)',
    (eventType) => {
      const ret = aReturn();
      const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
      if (first.kind !== 'CHANGE') throw new Error('expected a change');
      for (const other of [{ sellerId: 'someone-else' }, { orderId: 'another-order' }]) {
        const moved = { ...ret, ...other };
        const payload =
          eventType === 'return.cancelled'
            ? parse(aCancellation(moved))
            : parse(aWebhook(eventType, moved, { occurredAt: '2026-11-07T00:00:00Z' }));
        expect(() => applyMarketplaceEvent(first.next, payload, ctx)).toThrow(ConflictError);
      }
    },
  );

  it('marks a safety hazard urgent', () => {
    const out = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', aReturn({ safetyHazard: 'WATER_LEAK' }))), ctx);
    expect(out.kind === 'CHANGE' && out.next.priority).toBe('URGENT');
  });

  it('treats a second request for a known return as a no-op', () => {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    const again = applyMarketplaceEvent(first.next, parse(aWebhook('return.requested', ret)), ctx);
    expect(again).toMatchObject({ kind: 'IGNORED', reason: 'RETURN_ALREADY_RECEIVED' });
  });

  it('ignores an update older than the newest applied event', () => {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret, { occurredAt: '2026-11-06T09:00:00Z' })), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    const late = applyMarketplaceEvent(first.next, parse(aWebhook('return.updated', ret, { occurredAt: '2026-11-06T08:00:00Z' })), ctx);
    expect(late).toMatchObject({ kind: 'IGNORED', reason: 'OLDER_THAN_APPLIED_EVENT' });
  });

  it('refuses an update that moves the return to another seller', () => {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    const moved = parse(aWebhook('return.updated', { ...ret, sellerId: 'someone-else' }, { occurredAt: '2026-11-07T00:00:00Z' }));
    expect(() => applyMarketplaceEvent(first.next, moved, ctx)).toThrow(ConflictError);
  });

  it('cancels a case whose refund has not started, dropping its outbox record in the same write', () => {
    const ret = aReturn();
    const first = received(applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx), ret);
    if (first.next.refund === undefined) throw new Error('expected a refund');
    const cancelled = applyMarketplaceEvent(first.next, parse(aCancellation(ret)), ctx);
    expect(cancelled).toMatchObject({
      kind: 'CHANGE',
      next: { status: 'CANCELLED', version: 3, refund: { status: 'CANCELLED' } },
      clearOutbox: { caseId: first.next.caseId, refundId: first.next.refund.refundId },
    });
  });

  it('cancels a case whose refund is held for the goods: nothing was queued, so nothing to clear (#15)', () => {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    expect(first.next.refund?.status).toBe('HELD');
    const cancelled = applyMarketplaceEvent(first.next, parse(aCancellation(ret)), ctx);
    if (cancelled.kind !== 'CHANGE') throw new Error('expected a change');
    expect(cancelled.next).toMatchObject({ status: 'CANCELLED', refund: { status: 'CANCELLED' } });
    expect(cancelled.clearOutbox).toBeUndefined();
    expect(cancelled.outbox).toBeUndefined();
  });

  it('ignores an update to a cancelled return instead of writing to a terminal case (found by the soak)', () => {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    const cancelled = applyMarketplaceEvent(first.next, parse(aCancellation(ret)), ctx);
    if (cancelled.kind !== 'CHANGE') throw new Error('expected a change');
    const late = parse(aWebhook('return.updated', ret, { occurredAt: '2026-11-08T00:00:00Z' }));
    expect(applyMarketplaceEvent(cancelled.next, late, ctx)).toEqual({
      kind: 'IGNORED',
      caseId: first.next.caseId,
      reason: 'ALREADY_CANCELLED',
      status: 'CANCELLED',
    });
  });

  it.each(['APPLYING', 'APPLIED'] as const)('refuses to cancel once the refund is %s', (refundStatus) => {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE' || first.next.refund === undefined) throw new Error('expected a refund');
    const status = refundStatus === 'APPLIED' ? ('REFUNDED' as const) : ('REFUND_PENDING' as const);
    const paying = { ...first.next, status, refund: { ...first.next.refund, status: refundStatus } };
    expect(() => applyMarketplaceEvent(paying, parse(aCancellation(ret)), ctx)).toThrow(IllegalTransitionError);
  });
});

describe('a snapshot that lowers what the buyer paid below what was refunded', () => {
  /** A case whose refund of 39,900 was paid. */
  function refunded(): { c: CaseRecord; ret: ReturnType<typeof aReturn> } {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    const paid = received(first, ret);
    const refund = paid.next.refund as NonNullable<CaseRecord['refund']>;
    return { c: { ...paid.next, status: 'REFUNDED', refund: { ...refund, status: 'APPLIED' }, refundedTotal: refund.amount }, ret };
  }
  const update = (ret: ReturnType<typeof aReturn>, amountPaid: number, at: string) =>
    parse(aWebhook('return.updated', { ...ret, money: { ...ret.money, amountPaid } }, { occurredAt: at }));

  it('keeps the refund, records the mismatch for staff once, and chains the history', () => {
    const { c, ret } = refunded();
    const out = applyMarketplaceEvent(c, update(ret, 20_000, '2026-11-06T11:00:00.000Z'), ctx);
    if (out.kind !== 'CHANGE') throw new Error('expected a change');
    expect(out.next).toMatchObject({ status: 'REFUNDED', refundedTotal: 39_900, refund: { status: 'APPLIED' } });
    expect(out.outbox).toBeUndefined();
    expect(out.events.map((e) => [e.action, e.fromStatus, e.toStatus, e.seq])).toEqual([
      ['RETURN_UPDATED', 'REFUNDED', 'REFUNDED', 0],
      ['REFUNDED_ABOVE_AMOUNT_PAID', 'REFUNDED', 'REFUNDED', 1],
    ]);
    expect(out.events[1]?.details).toEqual({ amountPaid: 20_000, previousAmountPaid: 39_900, refunded: 39_900, currency: 'CNY' });
    // The same amount again: nothing more to flag.
    const again = applyMarketplaceEvent(out.next, update(ret, 20_000, '2026-11-06T12:00:00.000Z'), ctx);
    expect(again.kind === 'CHANGE' && again.events.map((e) => e.action)).toEqual(['RETURN_UPDATED']);
  });

  it('flags nothing when the lower amount still covers the refund, or nothing was refunded', () => {
    const { c, ret } = refunded();
    const covered = applyMarketplaceEvent(c, update(ret, 39_900, '2026-11-06T11:00:00.000Z'), ctx);
    expect(covered.kind === 'CHANGE' && covered.events.map((e) => e.action)).not.toContain('REFUNDED_ABOVE_AMOUNT_PAID');
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    const held = applyMarketplaceEvent(first.next, update(ret, 1_000, '2026-11-06T11:00:00.000Z'), ctx);
    expect(held.kind === 'CHANGE' && held.events.map((e) => e.action)).not.toContain('REFUNDED_ABOVE_AMOUNT_PAID');
  });
});
