import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '#lib/decision/policy.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { AuthorityExceededError, IllegalTransitionError } from '#lib/contract/errors.ts';
import { dueCaseOf } from '#lib/workflow/escalation.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { addStaffEvidence, approveDecision, overrideDecision, type StaffActionContext } from '#lib/workflow/staff-actions.ts';
import { aReturn, aWebhook, TEST_MARKETPLACE } from '#test/support/webhook-factory.ts';

/** The pure staff actions, and how they live with marketplace updates. */

const now = '2026-11-06T12:00:00.000Z';
const ctx = (role: 'agent' | 'supervisor' | 'manager'): StaffActionContext => ({
  now,
  actor: { kind: 'STAFF', id: `${role}-1`, role },
  role,
  policy: defaultPolicy,
});

function intake(overrides: Parameters<typeof aReturn>[0] = {}) {
  const ret = aReturn(overrides);
  const outcome = applyMarketplaceEvent(undefined, WebhookPayloadSchema.parse(aWebhook('return.requested', ret)), {
    marketplace: TEST_MARKETPLACE,
    now,
    policy: defaultPolicy,
  });
  if (outcome.kind !== 'CHANGE') throw new Error('ignored');
  return { ret, case: outcome.next };
}

describe('staff evidence', () => {
  it('is weighed by the rule chain and survives the marketplace’s next snapshot', () => {
    const { ret, case: received } = intake({ evidence: [] });
    expect(received.status).toBe('NEEDS_REVIEW');
    const added = addStaffEvidence(
      received,
      [
        { kind: 'PACKAGING_PHOTO', finding: 'INTACT' },
        { kind: 'PRODUCT_PHOTO', finding: 'DEFECTIVE' },
      ],
      ctx('agent'),
    );
    // A return and refund: held for the goods (#15), the amount the chain priced.
    expect(added.next.status).toBe('AWAITING_RETURN');
    expect(added.next.refund).toMatchObject({ status: 'HELD', amount: 39_900 });
    expect(added.outbox).toBeUndefined();

    // The marketplace sends a snapshot without our evidence: it stays, and the chain still sees it.
    const reopened: CaseRecord = { ...added.next, status: 'DECIDED', refund: undefined };
    const update = applyMarketplaceEvent(
      reopened,
      WebhookPayloadSchema.parse(
        aWebhook('return.updated', { ...ret, reasonDetail: 'still broken' }, { occurredAt: '2026-11-06T11:00:00Z' }),
      ),
      { marketplace: TEST_MARKETPLACE, now, policy: defaultPolicy },
    );
    if (update.kind !== 'CHANGE') throw new Error('ignored');
    expect(update.next.staffEvidence).toHaveLength(2);
    expect(update.next.return.evidence).toEqual([]);
    expect(update.next.decision?.outcome).toBe('DECIDED');
  });
});

describe('approve and override', () => {
  it('an approval records the resolution; a new engine decision clears it', () => {
    const { case: review } = intake({ evidence: [] });
    const approved = approveDecision(review, ctx('agent'));
    expect(approved.next.resolution).toMatchObject({
      kind: 'APPROVED',
      remedy: 'RETURN_AND_REFUND',
      amount: 39_900,
      by: { id: 'agent-1' },
    });
    const { case: other } = intake({ evidence: [] });
    const overridden = overrideDecision(other, ctx('supervisor'), { remedy: 'RESHIP', reason: 'buyer prefers a new one' });
    expect(overridden.next).toMatchObject({ status: 'DECIDED', resolution: { kind: 'OVERRIDDEN', remedy: 'RESHIP' } });
    const again = addStaffEvidence(overridden.next, [{ kind: 'SERIAL_CHECK', finding: 'MATCH' }], ctx('supervisor'));
    expect(again.next.resolution).toBeUndefined();
  });

  it('a staff resolution ends the deadline; new facts re-open it with a fresh clock at the case’s level', () => {
    const { case: review } = intake({ evidence: [] });
    expect(review.dueAt).toBeDefined();
    const overridden = overrideDecision({ ...review, escalationLevel: 'SUPERVISOR' }, ctx('supervisor'), {
      remedy: 'RESHIP',
      reason: 'buyer prefers a new one',
    });
    expect(overridden.next.status).toBe('DECIDED');
    // Still DECIDED (the reship is staff's to send), but no deadline: escalation never sees it.
    expect(overridden.next.dueAt).toBeUndefined();
    expect(dueCaseOf(overridden.next)).toBeUndefined();
    // An approved return and refund waits for the goods: the staff deadline ends, the return
    // window (reminder before the ship-by date) watches the buyer instead.
    const approved = approveDecision(review, ctx('agent')).next;
    expect(approved.status).toBe('AWAITING_RETURN');
    expect(approved.dueAt).toBe(
      new Date(Date.parse(approved.returnLeg?.shipBy ?? '') - defaultPolicy.returnLeg.reminderDaysBefore * 86_400_000).toISOString(),
    );

    const later = '2026-11-07T08:00:00.000Z';
    const again = addStaffEvidence(overridden.next, [{ kind: 'SERIAL_CHECK', finding: 'MATCH' }], { ...ctx('supervisor'), now: later });
    expect(again.next.resolution).toBeUndefined();
    expect(again.next.dueAt).toBe(
      new Date(Date.parse(later) + defaultPolicy.serviceLevels.resolutionMinutes.supervisor * 60_000).toISOString(),
    );
  });

  it('authority is checked on the amount that would be paid', () => {
    const { case: big } = intake({ money: { currency: 'CNY', itemValue: 99_900, amountPaid: 99_900, shippingCost: 1_200 } });
    expect(() => approveDecision(big, ctx('agent'))).toThrow(AuthorityExceededError);
    expect(approveDecision(big, ctx('supervisor')).next.status).toBe('AWAITING_RETURN');
    // An agent may not override at all (route check), but a supervisor's own limit applies here.
    expect(() => overrideDecision(big, ctx('agent'), { remedy: 'PARTIAL_REFUND', reason: 'goodwill', amount: 60_000 })).toThrow(
      AuthorityExceededError,
    );
  });

  it('approving needs a decision waiting for a person', () => {
    const { case: pending } = intake();
    expect(pending.status).toBe('AWAITING_RETURN');
    expect(() => approveDecision(pending, ctx('manager'))).toThrow(IllegalTransitionError);
  });
});
