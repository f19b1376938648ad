import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { resetWithTestOrder, type ShopifyIntake, startShopifyIntake, TEST_KETTLE_LINE, TEST_ORDER } from '#test/support/shopify-intake.ts';
import { caseIdFor } from '#lib/workflow/case.ts';
import type { ShopifyAdminStandin } from '#local/shopify-admin-standin.ts';
import { countItems } from '#test/support/engines.ts';
import { freshShopifyIds, SHOPIFY, shopifyBody, shopifyWebhookEvent } from '#test/support/shopify-factory.ts';

/**
 * A new Shopify case completed from its order through the Admin API (#16): the official
 * `@shopify/admin-api-client` against the local stand-in, through the real intake handler and
 * DynamoDB Local. Shopify's return webhooks carry no money or dates; the order does.
 */

let intake: ShopifyIntake;
let standin: ShopifyAdminStandin;
let store: DynamoDbCaseStore;
let tableName: string;

beforeAll(async () => {
  intake = await startShopifyIntake('shpat_enrichment_test');
  ({ standin, store, tableName } = intake);
});
afterAll(async () => {
  await standin.stop();
});
beforeEach(() => resetWithTestOrder(standin));

const invoke = (event: APIGatewayProxyEventV2) => intake.invoke(event);

/** A returns/request for the seeded order, its first line being the kettle (one of them). */
function requestForOrder(orderId: string, opts: { webhookId?: string; eventId?: string } = {}) {
  const ids = { ...freshShopifyIds(), orderId };
  const body = JSON.parse(shopifyBody('returns/request', ids));
  body.return_line_items = body.return_line_items.slice(0, 1).map((li: Record<string, any>) => ({
    ...li,
    quantity: 1,
    fulfillment_line_item: { ...li.fulfillment_line_item, line_item: { id: 466157049, admin_graphql_api_id: TEST_KETTLE_LINE } },
  }));
  return { ids, event: shopifyWebhookEvent(JSON.stringify(body), { topic: 'returns/request', ...opts }) };
}

describe('a new Shopify case completed from its order (Admin API)', () => {
  it('starts with the returned line’s price, the currency, shipping, the order, ship and delivery dates and the carrier’s scans', async () => {
    const { ids, event } = requestForOrder(TEST_ORDER);
    const res = await invoke(event);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const stored = await store.getCase(caseIdFor(SHOPIFY, ids.returnId));
    expect(stored?.return.money).toEqual({ currency: 'EUR', itemValue: 4_900, amountPaid: 4_900, shippingCost: 490 });
    expect(stored?.return.timeline).toMatchObject({
      orderedAt: '2026-11-02T09:15:00.000Z',
      shippedAt: '2026-11-03T08:00:00.000Z',
      deliveredAt: '2026-11-05T14:30:00.000Z',
    });
    expect(stored?.return.carrier).toEqual({
      code: 'DHL',
      trackingNumber: '00340434161094042557',
      events: [
        { type: 'IN_TRANSIT', at: '2026-11-03T18:00:00.000Z' },
        { type: 'DELIVERED', at: '2026-11-05T14:30:00.000Z' },
      ],
      notTheAgreedCarrier: false,
    });
    // With money known the rule chain can weigh it: not the "amount 0" review of before.
    expect(stored?.decision?.refund.currency).toBe('EUR');
  });

  it('an order Shopify does not know leaves the case as the webhook made it (amount 0, no currency), accepted', async () => {
    const { ids, event } = requestForOrder('999999999999');
    const res = await invoke(event);
    expect(res.status).toBe(202);
    expect((await store.getCase(caseIdFor(SHOPIFY, ids.returnId)))?.return.money).toMatchObject({ itemValue: 0, amountPaid: 0 });
  });

  it('the Admin API not answering is a 503 that writes nothing; Shopify’s redelivery then makes the case, enriched', async () => {
    standin.setFaults({ failNext: 1, failStatus: 502 });
    const { ids, event } = requestForOrder(TEST_ORDER, { webhookId: 'wh-enrich-retry', eventId: 'evt-enrich-retry' });
    const before = await countItems(tableName);
    const failed = await invoke(event);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(await countItems(tableName)).toBe(before);
    const retried = await invoke(event);
    expect(retried.status).toBe(202);
    expect((await store.getCase(caseIdFor(SHOPIFY, ids.returnId)))?.return.money.itemValue).toBe(4_900);
  });
});
