import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { resetWithTestOrder, type ShopifyIntake, startShopifyIntake, TEST_KETTLE_LINE, TEST_ORDER } from '#test/support/shopify-intake.ts';
import { caseIdFor } from '#lib/workflow/case.ts';
import type { ShopifyAdminStandin, StandinReverseFulfillmentOrder } from '#local/shopify-admin-standin.ts';
import { countItems } from '#test/support/engines.ts';
import { freshShopifyIds, SHOPIFY, type ShopifyIds, shopifyBody, shopifyWebhookEvent } from '#test/support/shopify-factory.ts';

/**
 * Shopify's `reverse_fulfillment_orders/dispose` on the return leg (#15): the body names only
 * the reverse fulfilment order, so the intake asks the Admin API (the official client against
 * the local stand-in) which return it belongs to and what was done with its units, through the
 * real intake handler and DynamoDB Local. A refund held for the goods is released by the
 * disposal exactly once.
 */

const TOPIC = 'reverse_fulfillment_orders/dispose';

let intake: ShopifyIntake;
let standin: ShopifyAdminStandin;
let store: DynamoDbCaseStore;
let tableName: string;

beforeAll(async () => {
  intake = await startShopifyIntake('shpat_disposal_test');
  ({ standin, store, tableName } = intake);
});
afterAll(async () => {
  await standin.stop();
});
beforeEach(() => {
  // Delivered two days ago, so a change of mind is inside the no-reason window.
  const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
  resetWithTestOrder(standin, (seed) => ({
    ...seed,
    createdAt: day(5),
    processedAt: day(5),
    fulfillments: seed.fulfillments.map((f) => ({
      ...f,
      createdAt: day(4),
      deliveredAt: day(2),
      events: [
        { status: 'IN_TRANSIT', happenedAt: day(4) },
        { status: 'DELIVERED', happenedAt: day(2) },
      ],
    })),
  }));
});

const invoke = (event: APIGatewayProxyEventV2) => intake.invoke(event);

function deliver(topic: string, ids: ShopifyIds, opts: { webhookId?: string; eventId?: string } = {}) {
  return invoke(shopifyWebhookEvent(shopifyBody(topic as never, ids), { topic, ...opts }));
}

/** A change-of-mind return of the seeded order's kettle: a refund held until the goods are back. */
async function requestKettleReturn(ids: ShopifyIds = { ...freshShopifyIds(), orderId: TEST_ORDER }): Promise<ShopifyIds> {
  const body = JSON.parse(shopifyBody('returns/request', ids));
  body.return_line_items = body.return_line_items.slice(0, 1).map((li: Record<string, any>) => ({
    ...li,
    quantity: 1,
    return_reason: 'unwanted',
    fulfillment_line_item: { ...li.fulfillment_line_item, line_item: { id: 466157049, admin_graphql_api_id: TEST_KETTLE_LINE } },
  }));
  const res = await invoke(shopifyWebhookEvent(JSON.stringify(body), { topic: 'returns/request' }));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return ids;
}

/** The reverse fulfilment order the fixture's disposal names (it carries the return's number). */
function reverseFulfillmentOrder(ids: ShopifyIds, change: Partial<StandinReverseFulfillmentOrder> = {}): void {
  const rfo: StandinReverseFulfillmentOrder = {
    id: `gid://shopify/ReverseFulfillmentOrder/${ids.returnId}`,
    orderId: `gid://shopify/Order/${ids.orderId}`,
    returnId: `gid://shopify/Return/${ids.returnId}`,
    lines: [{ totalQuantity: 1, dispositions: [{ type: 'RESTOCKED', quantity: 1 }] }],
    tracking: [{ carrierName: 'Canada Post', number: '7316 2300 9450 1234' }],
    ...change,
  };
  standin.reverseFulfillmentOrders.set(rfo.id, rfo);
}

describe('Shopify disposals on the return leg', () => {
  it('a restocked return pays the refund held for it, once; the same event again asks the Admin API nothing', async () => {
    const ids = await requestKettleReturn();
    const caseId = caseIdFor(SHOPIFY, ids.returnId);
    const before = await store.getCase(caseId);
    expect(before).toMatchObject({ status: 'AWAITING_RETURN', refund: { status: 'HELD' } });

    reverseFulfillmentOrder(ids);
    const opts = { webhookId: `wh-${ids.returnId}`, eventId: `evt-${ids.returnId}` };
    const res = await deliver(TOPIC, ids, opts);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ caseId, duplicate: false });
    const after = await store.getCase(caseId);
    expect(after?.returnLeg).toMatchObject({
      carrier: 'Canada-Post',
      trackingNumber: '7316230094501234',
      receivedAt: expect.any(String),
      inspection: { outcome: 'AS_SENT' },
    });
    expect(after?.refund).toMatchObject({ status: 'PENDING', amount: before?.refund?.amount });
    const actions = (await store.getHistory(caseId)).map((e) => e.action);
    // Inspected as sent: decided again with the goods back, so the refund is due at once, once.
    expect(actions).toEqual([
      'CASE_RECEIVED',
      'DECISION_MADE',
      'REFUND_HELD',
      'RETURN_LEG_RECORDED',
      'REFUND_WITHDRAWN',
      'DECISION_MADE',
      'REFUND_DUE',
    ]);

    // Shopify's retry of the same event: answered from the delivery record, nothing asked or written.
    const calls = standin.callCount();
    const items = await countItems(tableName);
    const again = await deliver(TOPIC, ids, { ...opts, webhookId: 'wh-retry' });
    expect(again.body).toMatchObject({ caseId, duplicate: true, ignoredReason: 'DUPLICATE_DELIVERY' });
    expect(standin.callCount()).toBe(calls);
    expect(await countItems(tableName)).toBe(items);

    // Another disposal event of the same order (nothing new on it): located, nothing written.
    const body = JSON.parse(shopifyBody(TOPIC, ids));
    body.dispositions[0].type = 'not_restocked';
    const later = await invoke(shopifyWebhookEvent(JSON.stringify(body), { topic: TOPIC }));
    expect(later.body).toMatchObject({ caseId, duplicate: true, ignoredReason: 'NOTHING_NEW_ON_RETURN_SHIPMENT' });
    expect(await countItems(tableName)).toBe(items);
  });

  it('a unit disposed of as missing is a PARTS_MISSING inspection: the rule chain decides again on it', async () => {
    const ids = await requestKettleReturn();
    const caseId = caseIdFor(SHOPIFY, ids.returnId);
    reverseFulfillmentOrder(ids, {
      lines: [
        { totalQuantity: 1, dispositions: [{ type: 'RESTOCKED', quantity: 1 }] },
        { totalQuantity: 1, dispositions: [{ type: 'MISSING', quantity: 1 }] },
      ],
    });
    expect((await deliver(TOPIC, ids)).status).toBe(202);
    const after = await store.getCase(caseId);
    expect(after?.returnLeg?.inspection).toMatchObject({ outcome: 'PARTS_MISSING' });
    const history = await store.getHistory(caseId);
    const recorded = history.find((e) => e.action === 'RETURN_LEG_RECORDED');
    expect(recorded?.details).toMatchObject({ trigger: 'return.shipment', inspection: { outcome: 'PARTS_MISSING' } });
    // Inspection is new evidence: the held refund is withdrawn and the case decided again.
    expect(history.map((e) => e.action)).toContain('REFUND_WITHDRAWN');
  });

  it('a disposal that overtakes its return waits for it and is applied, paying once, when the request arrives', async () => {
    const ids = { ...freshShopifyIds(), orderId: TEST_ORDER };
    reverseFulfillmentOrder(ids);
    const early = await deliver(TOPIC, ids);
    expect(early.body).toMatchObject({ caseId: caseIdFor(SHOPIFY, ids.returnId), held: true });
    expect(await store.getCase(caseIdFor(SHOPIFY, ids.returnId))).toBeUndefined();
    await requestKettleReturn(ids);
    const born = await store.getCase(caseIdFor(SHOPIFY, ids.returnId));
    expect(born?.returnLeg).toMatchObject({ receivedAt: expect.any(String), inspection: { outcome: 'AS_SENT' } });
    expect(born?.refund?.status).toBe('PENDING');
    const replayed = (await store.getHistory(caseIdFor(SHOPIFY, ids.returnId))).find((e) => e.action === 'RETURN_LEG_RECORDED');
    expect(replayed?.details).toMatchObject({ arrivedBeforeTheReturn: true });
  });

  it('the Admin API not answering is a 503 that writes nothing; the redelivery is applied', async () => {
    const ids = await requestKettleReturn();
    const caseId = caseIdFor(SHOPIFY, ids.returnId);
    reverseFulfillmentOrder(ids);
    standin.setFaults({ failNext: 1, failStatus: 502 });
    const items = await countItems(tableName);
    const opts = { webhookId: `wh-f-${ids.returnId}`, eventId: `evt-f-${ids.returnId}` };
    const failed = await deliver(TOPIC, ids, opts);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(await countItems(tableName)).toBe(items);
    expect((await deliver(TOPIC, ids, opts)).status).toBe(202);
    expect((await store.getCase(caseId))?.returnLeg?.receivedAt).toEqual(expect.any(String));
  });

  it.each([
    ['an order Shopify does not know', undefined, 'UNKNOWN_REVERSE_FULFILLMENT_ORDER'],
    ['an order no return lists', { returnId: null }, 'UNKNOWN_REVERSE_FULFILLMENT_ORDER'],
    [
      'every unit missing',
      { lines: [{ totalQuantity: 1, dispositions: [{ type: 'MISSING' as const, quantity: 1 }] }] },
      'NOTHING_RECEIVED',
    ],
    ['a return handed in without tracking', { tracking: [] }, 'NO_RETURN_PARCEL_TRACKING'],
  ])('%s is acknowledged (202) and changes nothing', async (_name, change, reason) => {
    const ids = await requestKettleReturn();
    if (change !== undefined) reverseFulfillmentOrder(ids, change);
    const stored = await store.getCase(caseIdFor(SHOPIFY, ids.returnId));
    const items = await countItems(tableName);
    const res = await deliver(TOPIC, ids);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ duplicate: true, ignoredReason: reason });
    expect(await countItems(tableName)).toBe(items);
    expect(await store.getCase(caseIdFor(SHOPIFY, ids.returnId))).toEqual(stored);
  });
});
