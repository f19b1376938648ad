import { describe, expect, it } from 'vitest';
import { WebhookPayloadSchema } from '#lib/contract/return-payload.ts';
import { ConflictError, ForbiddenError, IllegalTransitionError } from '#lib/contract/errors.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { appealCase, decidingRole } from '#lib/workflow/appeal.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { applyMarketplaceEvent } from '#lib/workflow/lifecycle.ts';
import type { StaffActionContext } from '#lib/workflow/staff-actions.ts';
import { aReturn, aWebhook, TEST_MARKETPLACE } from '#test/support/webhook-factory.ts';

/** The appeal rules (#19), on cases made by the real intake. */

const DECIDED_AT = '2026-11-06T09:00:00Z';
const DAY = 86_400_000;

function rejected(): CaseRecord {
  // A no-reason return claimed long after the window: the rule chain rejects it.
  const ret = aReturn({
    reason: 'BUYER_NO_REASON_RETURN',
    requestedRemedy: 'FULL_REFUND',
    evidence: [],
    timeline: {
      orderedAt: '2026-08-01T10:00:00Z',
      shippedAt: '2026-08-02T10:00:00Z',
      deliveredAt: '2026-08-04T12:00:00Z',
      claimedAt: DECIDED_AT,
    },
  });
  const out = applyMarketplaceEvent(undefined, WebhookPayloadSchema.parse(aWebhook('return.requested', ret)), {
    marketplace: TEST_MARKETPLACE,
    now: DECIDED_AT,
    policy: defaultPolicy,
  });
  if (out.kind !== 'CHANGE') throw new Error('ignored');
  return out.next;
}

function ctx(role: 'agent' | 'supervisor' | 'manager', daysAfter: number): StaffActionContext {
  return {
    now: new Date(Date.parse(DECIDED_AT) + daysAfter * DAY).toISOString(),
    actor: { kind: 'STAFF', id: `${role}-1`, role },
    role,
    policy: defaultPolicy,
  };
}

describe('appeals', () => {
  it('a supervisor re-decides an engine decision once, inside the window; a refund becomes due in full when nothing was paid', () => {
    const c = rejected();
    expect(c.status).toBe('REJECTED');
    expect(decidingRole(c)).toBe('agent');
    const out = appealCase(c, ctx('supervisor', 5), { remedy: 'FULL_REFUND', amount: 10_000, reason: 'listing promised more' });
    expect(out.next.appeal).toMatchObject({ outcome: 'CHANGED', topUp: 10_000, appealedRole: 'agent' });
    expect(out.next.status).toBe('REFUND_PENDING');
    expect(out.outbox?.message.amount).toBe(10_000);
    expect(out.events.map((e) => e.action)[0]).toBe('APPEAL_DECIDED');
    // One write's events chain: each starts where the one before it ended (the soak's history check).
    let status = c.status;
    for (const e of out.events) {
      expect(e.fromStatus, e.action).toBe(status);
      status = e.toStatus;
    }
    expect(status).toBe(out.next.status);
    // Once only; a case with money moving cannot be appealed.
    expect(() => appealCase(out.next, ctx('manager', 6), { remedy: 'FULL_REFUND', amount: 20_000, reason: 'again' })).toThrow(
      /already appealed/,
    );
    const { appeal: _none, ...pending } = out.next;
    expect(() => appealCase(pending, ctx('manager', 6), { remedy: 'FULL_REFUND', amount: 20_000, reason: 'x' })).toThrow(
      IllegalTransitionError,
    );
    expect(() => appealCase(out.next, ctx('manager', 6), { remedy: 'FULL_REFUND', amount: 20_000, reason: 'again' })).toThrow(
      ConflictError,
    );
  });

  it('refused after the appeal window, and by a role not above the deciding one', () => {
    const c = rejected();
    const late = defaultPolicy.appeals.windowDays + 1;
    expect(() => appealCase(c, ctx('supervisor', late), { remedy: 'FULL_REFUND', amount: 100, reason: 'late' })).toThrow(
      /appeal window closed/,
    );
    expect(() => appealCase(c, ctx('agent', 1), { remedy: 'FULL_REFUND', amount: 100, reason: 'x' })).toThrow(ForbiddenError);
    const bySupervisor: CaseRecord = {
      ...c,
      resolution: {
        kind: 'OVERRIDDEN',
        remedy: 'REJECT',
        by: { kind: 'STAFF', id: 's', role: 'supervisor' },
        at: DECIDED_AT,
        version: c.version,
      },
    };
    expect(() => appealCase(bySupervisor, ctx('supervisor', 1), { remedy: 'FULL_REFUND', amount: 100, reason: 'x' })).toThrow(
      ForbiddenError,
    );
    expect(appealCase(bySupervisor, ctx('manager', 1), { remedy: 'FULL_REFUND', amount: 100, reason: 'x' }).next.appeal?.appealedRole).toBe(
      'supervisor',
    );
  });
});

describe('the marketplace’s return.appealed', () => {
  const appealed = (c: CaseRecord, occurredAt: string) =>
    applyMarketplaceEvent(
      c,
      WebhookPayloadSchema.parse({
        schemaVersion: 1,
        eventType: 'return.appealed',
        deliveryId: `dlv-appeal-${occurredAt}`,
        occurredAt,
        return: { marketplaceReturnId: c.marketplaceReturnId, orderId: c.orderId, sellerId: c.sellerId },
      }),
      { marketplace: TEST_MARKETPLACE, now: occurredAt, policy: defaultPolicy },
    );

  it('re-opens a rejected case once, for the role above the deciding one, with that level’s deadline', () => {
    const c = rejected();
    const at = new Date(Date.parse(DECIDED_AT) + 3 * DAY).toISOString();
    const out = appealed(c, at);
    if (out.kind !== 'CHANGE') throw new Error(`ignored: ${out.reason}`);
    expect(out.next).toMatchObject({ status: 'NEEDS_REVIEW', escalationLevel: 'SUPERVISOR', appealRequest: { appealedRole: 'agent' } });
    expect(out.next.dueAt).toBe(new Date(Date.parse(at) + defaultPolicy.serviceLevels.resolutionMinutes.supervisor * 60_000).toISOString());
    expect(out.events.map((e) => e.action)).toEqual(['APPEAL_REQUESTED']);
    // A second appeal is acknowledged and changes nothing.
    const again = appealed(out.next, new Date(Date.parse(at) + 1_000).toISOString());
    expect(again).toMatchObject({ kind: 'IGNORED', reason: 'ALREADY_APPEALED' });
    // Staff above the deciding role decide it (the re-opened case is NEEDS_REVIEW); an agent may not.
    expect(() => appealCase(out.next, ctx('agent', 4), { remedy: 'FULL_REFUND', amount: 100, reason: 'x' })).toThrow(ForbiddenError);
    const decided = appealCase(out.next, ctx('supervisor', 4), { remedy: 'FULL_REFUND', amount: 10_000, reason: 'upheld the buyer' });
    expect(decided.next).toMatchObject({ status: 'REFUND_PENDING', appeal: { outcome: 'CHANGED', topUp: 10_000 } });
  });

  it('re-opens a refunded case with the deadline of the role above (it lists as due); upheld, that deadline is met', () => {
    const paidOut = appealCase(rejected(), ctx('supervisor', 1), {
      remedy: 'FULL_REFUND',
      amount: 10_000,
      reason: 'listing promised more',
    });
    const { appeal: _first, ...rest } = paidOut.next;
    if (rest.refund === undefined) throw new Error('no refund');
    const refunded: CaseRecord = { ...rest, status: 'REFUNDED', refund: { ...rest.refund, status: 'APPLIED' }, refundedTotal: 10_000 };
    const at = new Date(Date.parse(DECIDED_AT) + 3 * DAY).toISOString();
    const out = appealed(refunded, at);
    if (out.kind !== 'CHANGE') throw new Error(`ignored: ${out.reason}`);
    // The supervisor decided it: the appeal goes to a manager, by the manager's resolution deadline.
    expect(out.next).toMatchObject({ status: 'REFUNDED', escalationLevel: 'MANAGER', appealRequest: { appealedRole: 'supervisor' } });
    expect(out.next.dueAt).toBe(new Date(Date.parse(at) + defaultPolicy.serviceLevels.resolutionMinutes.manager * 60_000).toISOString());
    const upheld = appealCase(out.next, ctx('manager', 4), { remedy: 'FULL_REFUND', amount: 10_000, reason: 'paid in full already' });
    expect(upheld.next.appeal).toMatchObject({ outcome: 'UPHELD', topUp: 0 });
    expect(upheld.next.dueAt).toBeUndefined();
  });

  it('after the appeal window, it is acknowledged and ignored', () => {
    const c = rejected();
    const late = new Date(Date.parse(DECIDED_AT) + (defaultPolicy.appeals.windowDays + 1) * DAY).toISOString();
    expect(appealed(c, late)).toMatchObject({ kind: 'IGNORED', reason: 'APPEAL_WINDOW_CLOSED' });
  });
});
