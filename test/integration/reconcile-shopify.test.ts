import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { DynamoDbPaidRefunds } from '#lib/adapters/dynamodb-paid-refunds.ts';
import { ShopifyPaymentProvider, ShopifyRefundLedger } from '#lib/adapters/shopify-admin-payment-provider.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { applyRefund } from '#lib/use-cases/apply-refund.ts';
import { reconcileRefunds } from '#lib/use-cases/reconcile-refunds.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { type ShopifyAdminStandin, seedOrders, shopifyStandinFetch, startShopifyAdminStandin } from '#local/shopify-admin-standin.ts';
import { createTestTable, documentClient } from '#test/support/engines.ts';
import { pendingRefundCase } from '#test/support/payment-cases.ts';
import { expectEachKindFlagged, windowNow } from '#test/support/reconcile.ts';

/**
 * Reconciliation with Shopify's own record (#16): refunds paid through the Admin API (the
 * stand-in, through the official client) against the case store's record, on DynamoDB Local.
 * A clean run finds nothing; a second refund under one refund id, a refund no case records,
 * one gone from Shopify and one of another amount are each found and written to the case.
 */

const SHOP = 'recon-shop.myshopify.com';
const TOKEN = 'shpat_recon';
let standin: ShopifyAdminStandin;
let store: DynamoDbCaseStore;
let shopify: ShopifyPaymentProvider;
let deps: Parameters<typeof reconcileRefunds>[0];

beforeAll(async () => {
  standin = await startShopifyAdminStandin({ accessTokens: { [SHOP]: TOKEN } });
  const tableName = await createTestTable();
  store = new DynamoDbCaseStore(documentClient(), tableName);
  const client = { accessToken: async () => TOKEN, customFetchApi: shopifyStandinFetch(standin.url), timeoutMs: 2_000 };
  shopify = new ShopifyPaymentProvider({
    ...client,
    locate: async (request) => ({ shopDomain: SHOP, orderId: orderGid(request.orderId ?? '') }),
  });
  deps = {
    store,
    paid: new DynamoDbPaidRefunds(documentClient(), tableName),
    ledgers: [new ShopifyRefundLedger({ shops: [SHOP], ...client })],
    clock: systemClock,
  };
});
afterAll(async () => {
  await standin.stop();
});

/** Shopify's numeric order id for a test case's order id. */
const orderIds = new Map<string, string>();
const orderGid = (orderId: string) => {
  if (!orderIds.has(orderId)) orderIds.set(orderId, `gid://shopify/Order/${7_000_000 + orderIds.size}`);
  return orderIds.get(orderId) as string;
};

/** A CNY order in Shopify and a case paid through Shopify for its return: the worker's whole path. */
async function paidCase(): Promise<CaseRecord> {
  const { c, message } = await pendingRefundCase(store, [
    { provider: 'shopify', reference: 'shopify-payment', captured: 39_900, currency: 'CNY' },
  ]);
  const [template] = seedOrders();
  if (template === undefined) throw new Error('no seed order');
  const id = orderGid(c.orderId);
  standin.orders.set(id, { ...template, id, currencyCode: 'CNY', captured: '1000.00' });
  const paid = await applyRefund({ store, payments: shopify, clock: systemClock, policies: new StaticPolicyProvider() }, message);
  expect(paid.outcome, JSON.stringify((await store.getCase(c.caseId))?.refund)).toBe('APPLIED');
  return (await store.getCase(c.caseId)) as CaseRecord;
}

/** A refund made in Shopify directly, as a person in Shopify's admin (or a bug) would. */
async function refundInShopify(orderId: string, note: string, amount: string): Promise<void> {
  const order = standin.orders.get(orderId);
  const res = await shopifyStandinFetch(standin.url)(`https://${SHOP}/admin/api/2026-10/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': TOKEN },
    body: JSON.stringify({
      query: 'mutation DisputeDeskRefund($input: RefundInput!) { refundCreate(input: $input) { refund { id } userErrors { message } } }',
      variables: {
        input: { orderId, note, transactions: [{ orderId, parentId: order?.transactionId, kind: 'REFUND', gateway: 'manual', amount }] },
      },
    }),
  });
  expect(res.status).toBe(200);
}

describe('reconciling refunds with Shopify’s own record', () => {
  let cases: CaseRecord[];
  beforeAll(async () => {
    cases = [];
    for (let i = 0; i < 5; i += 1) cases.push(await paidCase());
  });

  it('a clean run finds every refund on both sides and no mismatch', async () => {
    expect(await reconcileRefunds(deps, windowNow())).toMatchObject({ recorded: 5, providerRefunds: 5, mismatches: [], flagged: 0 });
  });

  it('finds each kind of mismatch, names it, and writes it to the case’s history', async () => {
    const [twice, unrecorded, unpaid, differs] = cases as [CaseRecord, CaseRecord, CaseRecord, CaseRecord];
    const order = (c: CaseRecord) => orderGid(c.orderId);
    await refundInShopify(order(twice), `dispute-desk:${twice.refund?.refundId}`, '1.00');
    await refundInShopify(order(unrecorded), `dispute-desk:${unrecorded.refund?.refundId?.replace(/_\d+$/, '_99')}`, '2.00');
    const inShopify = (c: CaseRecord) => standin.refunds().find((r) => r.note === `dispute-desk:${c.refund?.refundId}`);
    // Gone from Shopify's record, and changed there: the stand-in's record edited in place.
    standin.tamperRefund(inShopify(unpaid)?.id ?? '', { remove: true });
    standin.tamperRefund(inShopify(differs)?.id ?? '', { amount: '390.00' });

    const result = await reconcileRefunds(deps, windowNow());
    await expectEachKindFlagged(
      store,
      result,
      { PAID_TWICE: twice, PAID_NOT_RECORDED: unrecorded, RECORDED_NOT_PAID: unpaid, AMOUNT_DIFFERS: differs },
      cases[4] as CaseRecord,
      'shopify',
    );
  });
});
