import { describe, expect, it } from 'vitest';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { dueCaseOf, ESCALATION_ACTOR, planEscalation } from '#lib/workflow/escalation.ts';
import { followUpStep } from '#lib/workflow/follow-up.ts';
import { applyMarketplaceEvent, type LifecycleOutcome } from '#lib/workflow/lifecycle.ts';
import { overrideDecision } from '#lib/workflow/staff-actions.ts';
import { aReturn, aWebhook } from '#test/support/webhook-factory.ts';

/** Remedies staff settled, followed to the end on the escalation sweep (#15 item 5). */

const now = '2026-11-06T10:00:00.000Z';
const DAY = 86_400_000;
const ctx = { marketplace: 'm1', now, policy: defaultPolicy };
const parse = (p: unknown) => WebhookPayloadSchema.parse(p);
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const supervisor = {
  now,
  actor: { kind: 'STAFF' as const, id: 'sup-1', role: 'supervisor' },
  role: 'supervisor' as const,
  policy: defaultPolicy,
};

function changed(out: LifecycleOutcome): Extract<LifecycleOutcome, { kind: 'CHANGE' }> {
  if (out.kind !== 'CHANGE') throw new Error(`expected a change, got ${out.reason}`);
  return out;
}

function settled(remedy: 'RESHIP' | 'REPAIR', overrides: Parameters<typeof aReturn>[0] = {}) {
  const ret = aReturn({ evidence: [], ...overrides });
  const review = changed(applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx)).next;
  return { ret, case: overrideDecision(review, supervisor, { remedy, reason: `staff chose a ${remedy.toLowerCase()}` }).next };
}

/** Plans from the case as the sweep would see it, at `at`. */
function plan(c: CaseRecord, at: string) {
  const due = dueCaseOf(c);
  if (due === undefined) throw new Error(`case ${c.caseId} has no deadline`);
  return planEscalation(due, { now: at, policy: defaultPolicy });
}

describe('a reship: the replacement must arrive by its promised delivery', () => {
  const replacement = (ret: ReturnType<typeof aReturn>, scans: { type: string; at: string }[], promisedDeliveryAt?: string) =>
    parse({
      schemaVersion: 1,
      eventType: 'replacement.shipment',
      deliveryId: `dlv-${Math.random().toString(36).slice(2)}`,
      occurredAt: '2026-11-08T09:00:00Z',
      return: { marketplaceReturnId: ret.marketplaceReturnId, orderId: ret.orderId, sellerId: ret.sellerId },
      replacement: {
        carrier: 'sf-express',
        trackingNumber: 'SFRPL1',
        scans,
        ...(promisedDeliveryAt === undefined ? {} : { promisedDeliveryAt }),
      },
    });
  const promised = '2026-11-12T00:00:00.000Z';

  it('settled with a reship and no replacement yet: no deadline, so escalation never moves it', () => {
    const { case: reship } = settled('RESHIP');
    expect(reship).toMatchObject({ status: 'DECIDED', resolution: { remedy: 'RESHIP' } });
    expect(reship.dueAt).toBeUndefined();
  });

  it('the replacement on its way: followed up at the promise, never escalated as a staff deadline', () => {
    const { ret, case: reship } = settled('RESHIP');
    const shipped = changed(
      applyMarketplaceEvent(reship, replacement(ret, [{ type: 'PICKED_UP', at: '2026-11-08T09:00:00Z' }], promised), ctx),
    ).next;
    expect(shipped.dueAt).toBe(promised);
    expect(dueCaseOf(shipped)?.facts.followUp).toBe('REPLACEMENT');
    expect(plan(shipped, plus(promised, -1))).toMatchObject({ kind: 'SKIP', reason: 'NOT_DUE' });
    const due = plan(shipped, plus(promised, DAY));
    expect(due).toMatchObject({ kind: 'FOLLOW_UP', followUp: 'REPLACEMENT', rule: 'REPLACEMENT_DELIVERY_DEADLINE', deadline: promised });

    const step = followUpStep(shipped, {
      now: plus(promised, DAY),
      policy: defaultPolicy,
      actor: ESCALATION_ACTOR,
      rule: 'REPLACEMENT_DELIVERY_DEADLINE',
      expectedVersion: shipped.version,
    });
    expect(step?.next).toMatchObject({ status: 'NEEDS_REVIEW', version: shipped.version + 1 });
    expect(step?.next.resolution).toBeUndefined();
    // The staff clock restarts at the case's level: escalation watches it again.
    expect(step?.next.dueAt).toBe(plus(plus(promised, DAY), defaultPolicy.serviceLevels.resolutionMinutes.agent * 60_000));
    expect(step?.events).toEqual([
      expect.objectContaining({
        action: 'REPLACEMENT_FAILED',
        fromStatus: 'DECIDED',
        toStatus: 'NEEDS_REVIEW',
        details: expect.objectContaining({ reason: 'NOT_DELIVERED_BY_PROMISE', promisedDeliveryAt: promised }),
      }),
    ]);
    expect(dueCaseOf(step?.next as CaseRecord)?.facts.followUp).toBeUndefined();
  });

  it('delivered in time: closed, nothing left to follow up; a stale follow-up writes nothing', () => {
    const { ret, case: reship } = settled('RESHIP');
    const shipped = changed(
      applyMarketplaceEvent(reship, replacement(ret, [{ type: 'PICKED_UP', at: '2026-11-08T09:00:00Z' }], promised), ctx),
    ).next;
    const delivered = changed(
      applyMarketplaceEvent(shipped, replacement(ret, [{ type: 'DELIVERED', at: '2026-11-10T09:00:00Z' }]), ctx),
    ).next;
    expect(delivered).toMatchObject({ status: 'CLOSED' });
    expect(delivered.dueAt).toBeUndefined();
    // The sweep planned from an older index entry: the whole-case step finds nothing to do.
    expect(
      followUpStep(delivered, {
        now: plus(promised, DAY),
        policy: defaultPolicy,
        actor: ESCALATION_ACTOR,
        rule: 'x',
        expectedVersion: shipped.version,
      }),
    ).toBeUndefined();
  });
});

describe('a repair: followed up when it would overrun the policy', () => {
  const repair = {
    status: 'IN_PROGRESS' as const,
    startedAt: '2026-11-01T00:00:00Z',
    promisedCompletionAt: '2026-11-10T00:00:00Z',
    attempts: 1,
  };
  const repairTicket = {
    reason: 'PRODUCT_QUALITY_DEFECT' as const,
    ticketType: 'REPAIR' as const,
    requestedRemedy: 'FULL_REFUND' as const,
    repair,
  };

  it('settled with a repair: due at promised completion + overrunLimitDays + 1 day, then the rule chain’s refund is flagged for staff', () => {
    const { case: repairing } = settled('REPAIR', repairTicket);
    const overrunAt = plus('2026-11-10T00:00:00.000Z', (defaultPolicy.repair.overrunLimitDays + 1) * DAY);
    expect(repairing).toMatchObject({ status: 'DECIDED', resolution: { remedy: 'REPAIR' }, dueAt: overrunAt });
    expect(dueCaseOf(repairing)?.facts.followUp).toBe('REPAIR');
    expect(plan(repairing, plus(overrunAt, -1))).toMatchObject({ kind: 'SKIP', reason: 'NOT_DUE' });
    expect(plan(repairing, overrunAt)).toMatchObject({ kind: 'FOLLOW_UP', followUp: 'REPAIR', rule: 'REPAIR_OVERRUN_DEADLINE' });

    const step = followUpStep(repairing, {
      now: overrunAt,
      policy: defaultPolicy,
      actor: ESCALATION_ACTOR,
      rule: 'REPAIR_OVERRUN_DEADLINE',
      expectedVersion: repairing.version,
    });
    expect(step?.events.map((e) => e.action)).toEqual(['REPAIR_OVERRUN', 'RECOMMENDATION_FOR_STAFF']);
    // The staff decision stands; what the engine now says (a refund for the overrun) waits for staff.
    expect(step?.next).toMatchObject({ status: 'DECIDED', resolution: { remedy: 'REPAIR' } });
    expect(step?.next.recommendation).toMatchObject({
      recommendedRemedy: 'RETURN_AND_REFUND',
      reviewReasons: expect.arrayContaining(['NEW_FACTS_AFTER_STAFF_DECISION']),
    });
    expect(step?.next.recommendation?.trace.filter((t) => t.fired).map((t) => t.ruleId)).toContain('repair-overrun');
    expect(step?.next.dueAt).toBeUndefined();
  });

  it('a completed repair is not followed up', () => {
    const { case: done } = settled('REPAIR', { ...repairTicket, repair: { ...repair, status: 'COMPLETED' } });
    expect(done.dueAt).toBeUndefined();
  });
});
