import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { marketplacePolicies, sellerPolicyOverrides } from '#lib/decision/marketplace-policies.ts';
import { defaultPolicy, parsePolicy, type Policy } from '#lib/decision/policy.ts';
import { backtest, backtestText, candidateProvider, scanCases } from '../../ops/backtest/backtest.ts';
import { seedCases } from '#test/support/case-factory.ts';
import { countItems, createTestTable, documentClient } from '#test/support/engines.ts';

/**
 * The backtest replays cases seeded in DynamoDB Local through the real intake logic and the
 * real CaseStore, read back through table-schema's mapping, and reports exact numbers.
 *
 * Seeded (default policy, marketplace without its own policy, so `default` governs them):
 * - 3 × CNY 999.00 seller defect (AWAITING_APPROVAL), decided, return and refund 999.00;
 * - 4 × CNY 399.00 seller defect (REFUND_PENDING), decided, return and refund 399.00;
 * - 2 × no evidence (NEEDS_REVIEW), manual review;
 * - 5 × parcel delivered 2 days late to another province, compensation asked without an
 *   amount: carrier, partial refund at the band's top (CNY 15.00 in the default policy).
 */
const late = {
  reason: 'LOGISTICS_DELAYED',
  requestedRemedy: 'PARTIAL_REFUND',
  evidence: [],
  timeline: {
    orderedAt: '2026-11-01T10:00:00Z',
    shippedAt: '2026-11-02T10:00:00Z',
    promisedShipBy: '2026-11-03T10:00:00Z',
    promisedDeliveryAt: '2026-11-05T18:00:00Z',
    deliveredAt: '2026-11-07T18:00:00Z',
    claimedAt: '2026-11-08T09:00:00Z',
  },
} as const;

let table: string;
const current = new StaticPolicyProvider(marketplacePolicies, defaultPolicy, sellerPolicyOverrides);

async function run(candidatePolicy: Policy) {
  return backtest(scanCases(documentClient(), table), {
    current,
    candidate: candidateProvider(candidatePolicy, marketplacePolicies, sellerPolicyOverrides),
    candidatePolicy,
    sampleSize: 2,
  });
}

beforeAll(async () => {
  table = await createTestTable();
  const store = new DynamoDbCaseStore(documentClient(), table);
  await seedCases(store, [
    ...Array.from({ length: 3 }, () => ({ shape: 'AWAITING_APPROVAL' as const })),
    ...Array.from({ length: 4 }, () => ({ shape: 'REFUND_PENDING' as const })),
    ...Array.from({ length: 2 }, () => ({ shape: 'NEEDS_REVIEW' as const })),
    ...Array.from({ length: 5 }, () => ({ shape: 'NEEDS_REVIEW' as const, returnOverrides: late })),
  ]);
});

describe('npm run backtest over a seeded table', () => {
  it('reports no change for the policy in force, and writes nothing', async () => {
    const before = await countItems(table);
    const r = await run(defaultPolicy);
    expect(r).toMatchObject({ cases: 14, replayed: 14, inScope: 14, changed: 0, moneyDelta: {}, sample: [] });
    expect(r.reviewRate).toEqual({ current: 0.1429, candidate: 0.1429, delta: 0 });
    expect(await countItems(table)).toBe(before);
  });

  it('a wider compensation band moves money from the carrier to the buyer, case by case', async () => {
    const wider = parsePolicy({
      ...defaultPolicy,
      version: '2026-12-10.1',
      compensation: {
        ...defaultPolicy.compensation,
        CNY: {
          ...defaultPolicy.compensation.CNY,
          bands: { ...defaultPolicy.compensation.CNY?.bands, OTHER_PROVINCE: { min: 1_000, max: 2_000 } },
        },
      },
    });
    const r = await run(wider);
    expect(r.changed).toBe(5);
    expect(r.byClass.LOGISTICS_DELAYED).toEqual({ replayed: 5, changed: 5 });
    expect(r.byClass.PRODUCT_QUALITY_DEFECT).toEqual({ replayed: 9, changed: 0 });
    // 5 cases × (20.00 − 15.00) more to the buyer, borne by the carrier.
    expect(r.moneyDelta).toEqual({ CNY: { BUYER_REFUNDED: 2_500, COST_CARRIER: 2_500 } });
    expect(r.reviewRate.delta).toBe(0);
    expect(r.sample).toHaveLength(2);
    const s = r.sample[0];
    expect(s?.current).toMatchObject({ refund: 1_500, party: 'carrier', policyVersion: defaultPolicy.version });
    expect(s?.candidate).toMatchObject({ refund: 2_000, party: 'carrier', policyVersion: '2026-12-10.1' });
    expect(s?.current.trace.some((t) => t.startsWith('carrier-delivered-late@'))).toBe(true);
    expect(backtestText(r)).toContain('LOGISTICS_DELAYED: 5 / 5');
  });

  it('a stricter review threshold sends the decided cases to a person: the review rate delta', async () => {
    const strict = parsePolicy({ ...defaultPolicy, version: '2026-12-10.2', manualReviewConfidenceThreshold: 1 });
    const r = await run(strict);
    // 12 were decided (3 + 4 defects, 5 late parcels), 2 already in review; none is certain.
    expect(r.changed).toBe(12);
    expect(r.reviewRate).toEqual({ current: 0.1429, candidate: 1, delta: 0.8571 });
    expect(r.moneyDelta).toEqual({});
  });

  it('a candidate for another marketplace leaves these cases alone', async () => {
    const shopify = parsePolicy({ ...current.policyFor('shopify'), manualReviewConfidenceThreshold: 1 });
    const r = await run(shopify);
    expect(r).toMatchObject({ replayed: 14, inScope: 0, changed: 0 });
  });
});
