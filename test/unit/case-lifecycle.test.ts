import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, caseIdFor, caseStatuses } from '#lib/domain/case.ts';
import { IllegalTransitionError, ConflictError } from '#lib/domain/errors.ts';
import { applyMarketplaceEvent } from '#lib/domain/lifecycle.ts';
import { WebhookPayloadSchema } from '#lib/domain/return-payload.ts';
import { aCancellation, aReturn, aWebhook } from '#test/support/webhook-factory.ts';

const ctx = { marketplace: 'm1', now: '2026-11-06T10:00:00.000Z' };
const parse = (p: unknown) => WebhookPayloadSchema.parse(p);

describe('case state machine', () => {
  it('refuses every move out of a terminal state', () => {
    for (const to of caseStatuses) {
      expect(canTransition('CANCELLED', to)).toBe(false);
      expect(canTransition('CLOSED', to)).toBe(false);
    }
  });

  it('refuses cancelling a case whose refund is pending or paid, naming both states', () => {
    expect(() => assertTransition('REFUND_PENDING', 'CANCELLED')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('REFUNDED', 'CANCELLED')).toThrow('A case in REFUNDED cannot move to CANCELLED');
  });

  it('allows the happy path RECEIVED → REFUND_PENDING → REFUNDED → CLOSED', () => {
    expect(canTransition('RECEIVED', 'REFUND_PENDING')).toBe(true);
    expect(canTransition('REFUND_PENDING', 'REFUNDED')).toBe(true);
    expect(canTransition('REFUNDED', 'CLOSED')).toBe(true);
    expect(canTransition('REFUNDED', 'REFUND_PENDING')).toBe(false);
  });

  it('derives one stable case id per marketplace return', () => {
    expect(caseIdFor('m1', 'r1')).toBe(caseIdFor('m1', 'r1'));
    expect(caseIdFor('m1', 'r1')).not.toBe(caseIdFor('m2', 'r1'));
    expect(caseIdFor('m1', 'r1')).toMatch(/^cs_[0-9a-f]{24}$/);
  });
});

describe('applying marketplace events', () => {
  it('creates a RECEIVED case with its first history event', () => {
    const out = applyMarketplaceEvent(undefined, parse(aWebhook()), ctx);
    expect(out.kind).toBe('CHANGE');
    if (out.kind !== 'CHANGE') return;
    expect(out.next).toMatchObject({ status: 'RECEIVED', version: 1, escalationLevel: 'AGENT', priority: 'NORMAL' });
    expect(out.events).toEqual([
      expect.objectContaining({ action: 'CASE_RECEIVED', fromStatus: null, toStatus: 'RECEIVED', version: 1 }),
    ]);
  });

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

  it('cancels an open case and refuses to cancel a refunded one', () => {
    const ret = aReturn();
    const first = applyMarketplaceEvent(undefined, parse(aWebhook('return.requested', ret)), ctx);
    if (first.kind !== 'CHANGE') throw new Error('expected a change');
    const cancelled = applyMarketplaceEvent(first.next, parse(aCancellation(ret)), ctx);
    expect(cancelled).toMatchObject({ kind: 'CHANGE', next: { status: 'CANCELLED', version: 2 } });
    const refunded = { ...first.next, status: 'REFUNDED' as const };
    expect(() => applyMarketplaceEvent(refunded, parse(aCancellation(ret)), ctx)).toThrow(IllegalTransitionError);
  });
});
