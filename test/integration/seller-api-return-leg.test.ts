import { beforeAll, describe, expect, it } from 'vitest';
import { createSellerApi, type SellerApi } from '#test/support/seller-api-harness.ts';
import { principal, seedCase } from '#test/support/staff-factory.ts';

/**
 * The staff return-leg writes (#15) through their handlers on the real engines: If-Match,
 * authority, history, the held refund released through the outbox and the queue, and
 * refusals that name the problem and write nothing.
 */

const SELLER = 'seller-return-leg';
let api: SellerApi;

beforeAll(async () => {
  api = await createSellerApi();
});

describe('staff record the return leg', () => {
  it('shipment, then receipt: the held refund is released and queued once, each write in the history with the staff member', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    expect(c).toMatchObject({ status: 'AWAITING_RETURN', refund: { status: 'HELD' } });
    await api.queuedRefunds();
    const agent = principal(SELLER, 'agent');
    const shipped = await api.call('returnShipment', {
      as: agent,
      caseId: c.caseId,
      ifMatch: 1,
      body: { carrier: 'dhl', trackingNumber: 'RTN-1', scans: [{ type: 'PICKED_UP', at: '2026-11-07T09:00:00Z' }] },
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body.case).toMatchObject({ status: 'AWAITING_RETURN', version: 2, returnLeg: { trackingNumber: 'RTN-1' } });
    // In transit: the return window's deadline gives way to the arrival deadline (first scan + 21 days).
    expect(shipped.body.case.dueAt).toBe('2026-11-28T09:00:00.000Z');

    // Stale If-Match: 412, nothing written.
    expect((await api.call('returnReceipt', { as: agent, caseId: c.caseId, ifMatch: 1 })).status).toBe(412);
    const received = await api.call('returnReceipt', { as: agent, caseId: c.caseId, ifMatch: 2 });
    expect(received.status, JSON.stringify(received.body)).toBe(200);
    expect(received.body.case).toMatchObject({ status: 'REFUND_PENDING', refund: { status: 'PENDING', refundId: c.refund?.refundId } });
    expect(received.body.case.dueAt).toBeUndefined();
    expect(received.body.events.map((e: { action: string }) => e.action)).toEqual(['RETURN_LEG_RECORDED', 'REFUND_RELEASED', 'REFUND_DUE']);
    expect(received.body.events[0].actor).toMatchObject({ kind: 'STAFF', role: 'agent' });
    expect(await api.queuedRefunds()).toEqual([expect.objectContaining({ caseId: c.caseId, amount: 39_900 })]);
    // The same receipt again: 409, nothing new.
    expect((await api.call('returnReceipt', { as: agent, caseId: c.caseId, ifMatch: 3 })).status).toBe(409);
  });

  it('an inspection re-decides with deductions and the refund queued is the re-decided amount', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    await api.queuedRefunds();
    const agent = principal(SELLER, 'agent');
    await api.call('returnShipment', { as: agent, caseId: c.caseId, ifMatch: 1, body: { carrier: 'dhl', trackingNumber: 'RTN-2' } });
    const inspected = await api.call('inspection', {
      as: agent,
      caseId: c.caseId,
      ifMatch: 2,
      body: { outcome: 'USED_OR_DAMAGED_BY_BUYER', conditionGrade: 'C' },
    });
    expect(inspected.status, JSON.stringify(inspected.body)).toBe(200);
    const amount = 39_900 - 11_970 - 1_200;
    expect(inspected.body.case.decision.refund).toMatchObject({ amount });
    expect(await api.queuedRefunds()).toEqual([expect.objectContaining({ caseId: c.caseId, amount })]);
  });

  it('refuses, naming the problem and writing nothing: receipt before any shipment (409), inspection of a cancelled case (409), a missing grade (400), another seller’s case (404)', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_RETURN' });
    const agent = principal(SELLER, 'agent');
    let before = await api.partitionCount(c.caseId);
    const early = await api.call('returnReceipt', { as: agent, caseId: c.caseId, ifMatch: 1 });
    expect(early.status).toBe(409);
    expect(early.body.detail).toContain('no return shipment');
    const noGrade = await api.call('inspection', {
      as: agent,
      caseId: c.caseId,
      ifMatch: 1,
      body: { outcome: 'USED_OR_DAMAGED_BY_BUYER' },
    });
    expect(noGrade.status).toBe(400);
    expect(noGrade.body.issues).toEqual([{ field: 'conditionGrade', problem: 'is required for USED_OR_DAMAGED_BY_BUYER' }]);
    const foreign = await api.call('returnShipment', {
      as: principal('someone-else', 'manager'),
      caseId: c.caseId,
      ifMatch: 1,
      body: { carrier: 'dhl', trackingNumber: 'RTN-X' },
    });
    expect(foreign.status).toBe(404);
    expect(await api.partitionCount(c.caseId)).toBe(before);

    const cancelled = { ...(await api.store.getCase(c.caseId)), status: 'CANCELLED' as const, version: 2 };
    await api.store.commit({ next: cancelled as never, expectedVersion: 1, events: [] });
    before = await api.partitionCount(c.caseId);
    const late = await api.call('inspection', { as: agent, caseId: c.caseId, ifMatch: 2, body: { outcome: 'AS_SENT' } });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    expect(late.body.detail).toContain('is cancelled: it takes no inspection');
    expect(await api.partitionCount(c.caseId)).toBe(before);
  });
});
