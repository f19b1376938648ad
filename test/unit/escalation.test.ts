import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { type DueCase, defaultReturnAndRefund, dueCaseOf, ESCALATION_ACTOR, planEscalation } from '#lib/workflow/escalation.ts';
import { refundIdFor } from '#lib/contract/refund-message.ts';
import { defaultPolicy, type Policy } from '#lib/decision/policy.ts';
import { newCaseCommit } from '#test/support/case-factory.ts';

/** The escalation ladder as a pure function: what each missed deadline does to a case. */

const MIN = 60_000;
const policy = defaultPolicy;
const sl = policy.serviceLevels;
const withResolution = (r: Policy['defaultResolutionAfterLastLevel']): Policy => ({ ...policy, defaultResolutionAfterLastLevel: r });

/** A DECIDED case (above an agent's authority) as intake stored it. */
function awaiting(overrides: Partial<CaseRecord> = {}): CaseRecord {
  return { ...newCaseCommit({ shape: 'AWAITING_APPROVAL', claimedAt: '2026-11-06T09:00:00Z' }).next, ...overrides };
}
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
/** The case as the sweep sees it from the due index. */
function due(c: CaseRecord): DueCase {
  const d = dueCaseOf(c);
  if (d === undefined) throw new Error(`case ${c.caseId} has no deadline`);
  return d;
}

describe('planEscalation', () => {
  it('AGENT past the first-response deadline → SUPERVISOR, dueAt = now + supervisor minutes, one ESCALATED event', () => {
    const c = awaiting();
    expect(c).toMatchObject({ status: 'DECIDED', escalationLevel: 'AGENT', dueAt: '2026-11-07T09:00:00.000Z' });
    const now = plus(c.dueAt as string, 5 * MIN);
    const plan = planEscalation(due(c), { now, policy });
    expect(plan.kind).toBe('ESCALATE');
    if (plan.kind !== 'ESCALATE') return;
    const nextDueAt = plus(now, sl.resolutionMinutes.supervisor * MIN);
    // Only what changes is written; status, money and the decision stay as they are.
    expect(plan.set).toEqual({ escalationLevel: 'SUPERVISOR', dueAt: nextDueAt, version: c.version + 1, updatedAt: now });
    expect(plan.remove).toEqual([]);
    expect(plan.events).toEqual([
      {
        caseId: c.caseId,
        version: c.version + 1,
        seq: 0,
        at: now,
        actor: ESCALATION_ACTOR,
        action: 'ESCALATED',
        fromStatus: 'DECIDED',
        toStatus: 'DECIDED',
        details: {
          rule: 'FIRST_RESPONSE_DEADLINE',
          deadline: c.dueAt,
          overdueMs: 5 * MIN,
          fromLevel: 'AGENT',
          toLevel: 'SUPERVISOR',
          nextDueAt,
          policyVersion: policy.version,
        },
      },
    ]);
  });

  it('AGENT past a deadline staff had reset names the agent resolution rule', () => {
    const c = awaiting({ dueAt: '2026-11-08T00:00:00.000Z' });
    const plan = planEscalation(due(c), { now: '2026-11-08T00:00:00.000Z', policy });
    expect(plan).toMatchObject({ kind: 'ESCALATE', rule: 'AGENT_RESOLUTION_DEADLINE', overdueMs: 0 });
  });

  it('SUPERVISOR → MANAGER with the manager’s minutes', () => {
    const c = awaiting({ escalationLevel: 'SUPERVISOR', dueAt: '2026-11-09T00:00:00.000Z' });
    const now = '2026-11-09T01:00:00.000Z';
    const plan = planEscalation(due(c), { now, policy });
    expect(plan).toMatchObject({ kind: 'ESCALATE', rule: 'SUPERVISOR_RESOLUTION_DEADLINE', fromLevel: 'SUPERVISOR', toLevel: 'MANAGER' });
    if (plan.kind === 'SKIP') return;
    expect(plan.set.dueAt).toBe(plus(now, sl.resolutionMinutes.manager * MIN));
  });

  it('MANAGER past its deadline, BUYER_WINS_FULL_REFUND: REFUND_PENDING for the amount paid, through makeRefundDue', () => {
    const c = awaiting({ escalationLevel: 'MANAGER', dueAt: '2026-11-12T00:00:00.000Z', status: 'NEEDS_REVIEW' });
    const now = '2026-11-12T00:00:01.000Z';
    const plan = planEscalation(due(c), { now, policy: withResolution('BUYER_WINS_FULL_REFUND') });
    expect(plan.kind).toBe('DEFAULT_RESOLUTION');
    if (plan.kind !== 'DEFAULT_RESOLUTION') return;
    const refundId = refundIdFor(c.caseId, c.version + 1);
    expect(plan.resolution).toBe('BUYER_WINS_FULL_REFUND');
    expect(plan.set.status).toBe('REFUND_PENDING');
    expect(plan.remove).toEqual(['dueAt']);
    expect('escalationLevel' in plan.set).toBe(false);
    expect(plan.set.refund).toEqual({
      refundId,
      amount: 99_900,
      currency: 'CNY',
      status: 'PENDING',
      decidedAtVersion: c.version + 1,
      dueAt: now,
    });
    expect(plan.set.ledger?.filter((l) => l.kind === 'BUYER_REFUND')).toEqual([
      expect.objectContaining({ amount: 99_900, paidBy: 'SELLER', bornBy: 'SELLER' }),
    ]);
    expect(plan.set.ledger?.some((l) => l.kind === 'RETURN_SHIPPING')).toBe(false);
    expect(plan.outbox).toMatchObject({
      caseId: c.caseId,
      refundId,
      message: { refundId, amount: 99_900, currency: 'CNY', decidedAtVersion: c.version + 1 },
    });
    expect(plan.events.map((e) => [e.action, e.fromStatus, e.toStatus, e.version, e.seq])).toEqual([
      ['DEFAULT_RESOLUTION', 'NEEDS_REVIEW', 'REFUND_PENDING', c.version + 1, 0],
      ['REFUND_DUE', 'REFUND_PENDING', 'REFUND_PENDING', c.version + 1, 1],
    ]);
    expect(plan.events[0]?.details).toMatchObject({
      rule: 'MANAGER_RESOLUTION_DEADLINE',
      resolution: 'BUYER_WINS_FULL_REFUND',
      refundId,
      amount: 99_900,
      fromLevel: 'MANAGER',
      toLevel: 'MANAGER',
    });
  });

  it('BUYER_WINS_RETURN_AND_REFUND also puts the return label on the seller', () => {
    const c = awaiting({ escalationLevel: 'MANAGER', dueAt: '2026-11-12T00:00:00.000Z' });
    const plan = planEscalation(due(c), { now: '2026-11-12T00:00:00.000Z', policy: withResolution('BUYER_WINS_RETURN_AND_REFUND') });
    if (plan.kind !== 'DEFAULT_RESOLUTION') throw new Error(plan.kind);
    expect(plan.set.status).toBe('REFUND_PENDING');
    expect(plan.set.ledger?.find((l) => l.kind === 'RETURN_SHIPPING')).toMatchObject({ amount: 1_200, paidBy: 'SELLER' });
  });

  describe('BUYER_WINS_RETURN_AND_REFUND on the whole case: the refund waits for the goods like any return and refund', () => {
    const now = '2026-11-12T00:00:00.000Z';
    const returnPolicy = withResolution('BUYER_WINS_RETURN_AND_REFUND');
    const DAY = 86_400_000;
    function planned(c: CaseRecord) {
      const plan = planEscalation(due(c), { now, policy: returnPolicy });
      if (plan.kind !== 'DEFAULT_RESOLUTION') throw new Error(plan.kind);
      return plan;
    }

    it('nothing shipped yet: held (AWAITING_RETURN, REFUND_HELD, no outbox), the return window starts, the label still on the seller', () => {
      const c = awaiting({ escalationLevel: 'MANAGER', dueAt: '2026-11-11T00:00:00.000Z' });
      const plan = planned(c);
      const change = defaultReturnAndRefund(c, plan, { now, policy: returnPolicy });
      const shipBy = new Date(Date.parse(now) + returnPolicy.returnLeg.shipWithinDays * DAY).toISOString();
      expect(change.outbox).toBeUndefined();
      expect(change.next).toMatchObject({
        status: 'AWAITING_RETURN',
        version: c.version + 1,
        escalationLevel: 'MANAGER',
        refund: { refundId: refundIdFor(c.caseId, c.version + 1), amount: 99_900, currency: 'CNY', status: 'HELD' },
        returnLeg: { shipBy },
        dueAt: new Date(Date.parse(shipBy) - returnPolicy.returnLeg.reminderDaysBefore * DAY).toISOString(),
      });
      expect(change.next.refund?.release?.mode).toBe(returnPolicy.returnLeg.release.mode);
      expect(change.next.ledger?.find((l) => l.kind === 'RETURN_SHIPPING')).toMatchObject({ amount: 1_200, paidBy: 'SELLER' });
      expect(change.events.map((e) => [e.action, e.fromStatus, e.toStatus, e.version, e.seq])).toEqual([
        ['DEFAULT_RESOLUTION', 'DECIDED', 'AWAITING_RETURN', c.version + 1, 0],
        ['REFUND_HELD', 'AWAITING_RETURN', 'AWAITING_RETURN', c.version + 1, 1],
      ]);
      expect(change.events[0]?.details).toMatchObject({ resolution: 'BUYER_WINS_RETURN_AND_REFUND', release: change.next.refund?.release });
    });

    it('the goods are already back: made due at once, exactly as the plan had it (same refund id, outbox record)', () => {
      const c = awaiting({
        escalationLevel: 'MANAGER',
        dueAt: '2026-11-11T00:00:00.000Z',
        returnLeg: { scans: [], receivedAt: '2026-11-10T00:00:00.000Z' },
      });
      const plan = planned(c);
      const change = defaultReturnAndRefund(c, plan, { now, policy: returnPolicy });
      expect(change.next).toMatchObject({ status: 'REFUND_PENDING', refund: { status: 'PENDING', amount: 99_900 } });
      expect(change.next.dueAt).toBeUndefined();
      expect(change.outbox).toMatchObject({ refundId: plan.outbox?.refundId, message: plan.outbox?.message });
      expect(change.events.map((e) => e.action)).toEqual(['DEFAULT_RESOLUTION', 'REFUND_DUE']);
    });

    it('refuses a case that moved on since the plan (another version)', () => {
      const c = awaiting({ escalationLevel: 'MANAGER', dueAt: '2026-11-11T00:00:00.000Z' });
      const plan = planned(c);
      expect(() => defaultReturnAndRefund({ ...c, version: c.version + 1 }, plan, { now, policy: returnPolicy })).toThrow(/is at v/);
    });
  });

  it('HOLD_WITH_MANAGER keeps status and level and removes the deadline, so the case leaves the sweep', () => {
    const c = awaiting({ escalationLevel: 'MANAGER', dueAt: '2026-11-12T00:00:00.000Z' });
    const plan = planEscalation(due(c), { now: '2026-11-12T00:00:00.000Z', policy: withResolution('HOLD_WITH_MANAGER') });
    if (plan.kind !== 'DEFAULT_RESOLUTION') throw new Error(plan.kind);
    expect(plan.outbox).toBeUndefined();
    expect(plan.set).toEqual({ version: c.version + 1, updatedAt: '2026-11-12T00:00:00.000Z' });
    expect(plan.remove).toEqual(['dueAt']);
    expect(plan.events).toHaveLength(1);
    expect(plan.events[0]).toMatchObject({
      action: 'DEFAULT_RESOLUTION',
      toStatus: 'DECIDED',
      details: { resolution: 'HOLD_WITH_MANAGER' },
    });
  });

  it('a buyer-wins resolution with nothing paid is held with the manager, saying why', () => {
    const base = awaiting({ escalationLevel: 'MANAGER', dueAt: '2026-11-12T00:00:00.000Z' });
    const c = { ...base, return: { ...base.return, money: { ...base.return.money, amountPaid: 0 } } };
    const plan = planEscalation(due(c), { now: '2026-11-12T00:00:00.000Z', policy });
    expect(plan).toMatchObject({ kind: 'DEFAULT_RESOLUTION', resolution: 'HOLD_WITH_MANAGER' });
    if (plan.kind === 'SKIP') return;
    expect(plan.events[0]?.details).toMatchObject({ configuredResolution: 'BUYER_WINS_FULL_REFUND', heldBecause: 'NOTHING_TO_REFUND' });
  });

  it('a refund already under way holds the case with the manager; a cancelled one does not', () => {
    const base = awaiting({ escalationLevel: 'MANAGER', dueAt: '2026-11-12T00:00:00.000Z' });
    const refund = { refundId: 'r-1', amount: 500, currency: 'CNY', decidedAtVersion: 1, dueAt: '2026-11-07T00:00:00.000Z' };
    const now = '2026-11-12T00:00:00.000Z';
    const underWay = planEscalation(due({ ...base, refund: { ...refund, status: 'APPLYING' } }), { now, policy });
    expect(underWay).toMatchObject({ kind: 'DEFAULT_RESOLUTION', resolution: 'HOLD_WITH_MANAGER' });
    if (underWay.kind === 'SKIP') return;
    expect(underWay.events[0]?.details).toMatchObject({ heldBecause: 'REFUND_ALREADY_UNDER_WAY' });
    expect(planEscalation(due({ ...base, refund: { ...refund, status: 'CANCELLED' } }), { now, policy })).toMatchObject({
      resolution: 'BUYER_WINS_FULL_REFUND',
      outbox: expect.anything(),
    });
  });

  it('a default resolution keeps carrier claims from the ledger and replaces the rest', () => {
    const claim = { kind: 'CARRIER_CLAIM', amount: 99_900, currency: 'CNY', paidBy: 'CARRIER', bornBy: 'CARRIER', note: 'claim' } as const;
    const deduction = { kind: 'DEDUCTION', amount: 100, currency: 'CNY', paidBy: 'BUYER', bornBy: 'BUYER', note: 'restocking' } as const;
    const c = awaiting({ escalationLevel: 'MANAGER', dueAt: '2026-11-12T00:00:00.000Z', ledger: [deduction, claim] });
    expect(due(c).facts.carrierClaims).toEqual([claim]);
    const plan = planEscalation(due(c), { now: '2026-11-12T00:00:00.000Z', policy });
    if (plan.kind === 'SKIP') throw new Error(plan.reason);
    expect(plan.set.ledger?.map((l) => l.kind)).toEqual(['BUYER_REFUND', 'CARRIER_CLAIM']);
  });

  it('dueCaseOf: the fields and facts a step needs, or nothing for a case without a deadline', () => {
    const c = awaiting();
    expect(due(c)).toEqual({
      caseId: c.caseId,
      sellerId: c.sellerId,
      marketplace: c.marketplace,
      status: c.status,
      version: c.version,
      escalationLevel: 'AGENT',
      dueAt: c.dueAt,
      facts: {
        returnRef: { marketplaceReturnId: c.marketplaceReturnId, orderId: c.orderId },
        firstResponseDueAt: c.dueAt,
        amountPaid: 99_900,
        shippingCost: 1_200,
        currency: 'CNY',
        carrierClaims: [],
      },
    });
    const { dueAt: _gone, ...withoutDeadline } = c;
    expect(dueCaseOf(withoutDeadline)).toBeUndefined();
  });

  it('skips what the index got wrong: not due, not waiting for staff', () => {
    const c = awaiting();
    const dueAt = c.dueAt as string;
    expect(planEscalation(due(c), { now: plus(dueAt, -1), policy })).toMatchObject({ kind: 'SKIP', reason: 'NOT_DUE' });
    for (const status of ['REFUND_PENDING', 'REFUNDED', 'REJECTED', 'CANCELLED', 'CLOSED'] as const) {
      expect(planEscalation(due({ ...c, status }), { now: plus(dueAt, MIN), policy })).toMatchObject({
        kind: 'SKIP',
        reason: 'NOT_AWAITING_STAFF',
      });
    }
  });

  it('moves every waiting status exactly one step, keeping the status', () => {
    for (const status of ['RECEIVED', 'DECIDED', 'NEEDS_REVIEW'] as const) {
      for (const level of ['AGENT', 'SUPERVISOR'] as const) {
        const c = awaiting({ status, escalationLevel: level, dueAt: '2026-11-09T00:00:00.000Z' });
        const first = planEscalation(due(c), { now: '2026-11-10T00:00:00.000Z', policy });
        if (first.kind !== 'ESCALATE') throw new Error(`${status}/${level}: ${first.kind}`);
        expect('status' in first.set).toBe(false);
        expect(first.events[0]).toMatchObject({ fromStatus: status, toStatus: status, version: c.version + 1 });
      }
    }
  });
});

describe("a refunded case's appeal waiting for staff (#19)", () => {
  /** Refunded, then appealed on the marketplace: the role above has until its deadline. */
  function appealedRefunded(level: CaseRecord['escalationLevel'], withRequest = true): CaseRecord {
    const c = awaiting();
    const refund = { refundId: 'rf_x', amount: 10_000, currency: 'CNY', status: 'APPLIED' as const };
    return {
      ...c,
      status: 'REFUNDED',
      refund: refund as CaseRecord['refund'] & object,
      refundedTotal: 10_000,
      escalationLevel: level,
      dueAt: '2026-11-20T09:00:00.000Z',
      ...(withRequest ? { appealRequest: { at: '2026-11-19T09:00:00.000Z', deliveryId: 'dlv-1', appealedRole: 'agent' as const } } : {}),
    };
  }

  it('escalates past its deadline like a staff case; the status stays REFUNDED', () => {
    const c = appealedRefunded('SUPERVISOR');
    expect(due(c).facts.appealPending).toBe(true);
    const now = plus(c.dueAt as string, MIN);
    const plan = planEscalation(due(c), { now, policy });
    expect(plan).toMatchObject({ kind: 'ESCALATE', fromLevel: 'SUPERVISOR', toLevel: 'MANAGER' });
    if (plan.kind !== 'ESCALATE') return;
    expect(plan.events.map((e) => [e.action, e.fromStatus, e.toStatus])).toEqual([['ESCALATED', 'REFUNDED', 'REFUNDED']]);
  });

  it('at the last level it is held with the manager, never paid by a default resolution (the refund is under way)', () => {
    const c = appealedRefunded('MANAGER');
    const plan = planEscalation(due(c), { now: plus(c.dueAt as string, MIN), policy: withResolution('BUYER_WINS_FULL_REFUND') });
    expect(plan).toMatchObject({ kind: 'DEFAULT_RESOLUTION', resolution: 'HOLD_WITH_MANAGER' });
    if (plan.kind !== 'DEFAULT_RESOLUTION') return;
    expect(plan.outbox).toBeUndefined();
    expect(plan.remove).toEqual(['dueAt']);
    expect(plan.events[0]?.details).toMatchObject({ heldBecause: 'REFUND_ALREADY_UNDER_WAY' });
  });

  it('a refunded case with a stale deadline and no pending appeal (decided, or none) is not escalated', () => {
    for (const c of [
      appealedRefunded('SUPERVISOR', false),
      { ...appealedRefunded('SUPERVISOR'), appeal: { at: 'x' } as CaseRecord['appeal'] },
    ]) {
      expect(due(c).facts.appealPending).toBeUndefined();
      expect(planEscalation(due(c), { now: plus(c.dueAt as string, MIN), policy })).toMatchObject({
        kind: 'SKIP',
        reason: 'NOT_AWAITING_STAFF',
      });
    }
  });
});
