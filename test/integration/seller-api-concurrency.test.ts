import { beforeAll, describe, expect, it } from 'vitest';
import { createSellerApi, type SellerApi } from '#test/support/seller-api-harness.ts';
import { principal, seedCase } from '#test/support/staff-factory.ts';

/**
 * Optimistic concurrency on DynamoDB Local: staff writes are conditional on the If-Match
 * version, so of many simultaneous writers on one version exactly one wins and the rest are
 * told to re-read (412), and money is made due once.
 */

const SELLER = 'seller-concurrent';
let api: SellerApi;

beforeAll(async () => {
  api = await createSellerApi();
});

describe('parallel writes on one case version', () => {
  it('20 parallel approvals: exactly one wins, 19 get 412, exactly one refund is due and queued', async () => {
    // A full refund (nothing comes back), so the approval makes it due at once.
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_APPROVAL', reason: 'PRODUCT_OUT_OF_STOCK' });
    await api.queuedRefunds();
    const supervisors = Array.from({ length: 20 }, (_, i) => principal(SELLER, i % 2 === 0 ? 'supervisor' : 'manager', `boss-${i}`));
    const results = await Promise.all(supervisors.map((as) => api.call('approve', { as, caseId: c.caseId, ifMatch: 1 })));

    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(412)]);
    for (const lost of results.filter((r) => r.status === 412)) expect(lost.body.code).toBe('STALE_VERSION');

    const stored = await api.store.getCase(c.caseId);
    expect(stored).toMatchObject({ status: 'REFUND_PENDING', version: 2 });
    const history = await api.store.getHistory(c.caseId);
    expect(history.filter((e) => e.action === 'DECISION_APPROVED')).toHaveLength(1);
    expect(history.filter((e) => e.action === 'REFUND_DUE').map((e) => e.version)).toEqual([2]);
    const queued = await api.queuedRefunds();
    expect(queued).toEqual([expect.objectContaining({ caseId: c.caseId, refundId: stored?.refund?.refundId, amount: 99_900 })]);
  });

  it('a mix of writers (notes, evidence, approvals) on one version: one wins, the rest 412, history has one change', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER, shape: 'NEEDS_REVIEW' });
    const manager = principal(SELLER, 'manager');
    const requests = Array.from({ length: 15 }, (_, i) =>
      i % 3 === 0
        ? api.call('note', { as: manager, caseId: c.caseId, ifMatch: 1, body: { text: `note ${i}` } })
        : i % 3 === 1
          ? api.call('approve', { as: manager, caseId: c.caseId, ifMatch: 1 })
          : api.call('evidence', {
              as: manager,
              caseId: c.caseId,
              ifMatch: 1,
              body: { evidence: [{ kind: 'SERIAL_CHECK', finding: 'MATCH' }] },
            }),
    );
    const results = await Promise.all(requests);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(14);
    const history = await api.store.getHistory(c.caseId);
    expect(new Set(history.map((e) => e.version))).toEqual(new Set([1, 2]));
    expect((await api.store.getCase(c.caseId))?.version).toBe(2);
  });
});
