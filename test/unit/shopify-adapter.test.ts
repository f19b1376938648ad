import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { ValidationError } from '#lib/contract/errors.ts';
import { WebhookPayloadSchema, type ReturnV1 } from '#lib/contract/return-payload.ts';
import type { InboundWebhook, ParsedDelivery, Translation, UnlocatedDelivery } from '#lib/ports/marketplace-adapter.ts';
import type { MarketplaceOrderReader, ReverseFulfilment } from '#lib/ports/marketplace-order-reader.ts';
import { DependencyUnavailableError } from '#lib/contract/errors.ts';
import { canonicalOnly, MarketplaceConfigSchema, marketplaceRegistry } from '#lib/marketplaces/index.ts';
import {
  disposalOutcome,
  reasonCodeFor,
  shopifyAdapter,
  type ShopifyDelivery,
  shopifyHmac,
  enrichedReturn,
  returnParcelOf,
  verifyShopifyHmac,
} from '#lib/marketplaces/shopify/adapter.ts';
import { shopifyReturnReasons, shopifyTopics, shopifyWebhookBodySchemas } from '#lib/marketplaces/shopify/body-schemas.ts';
import { ShopifyShopsSchema } from '#lib/marketplaces/shopify/settings.ts';
import {
  shopifyBody,
  shopifyFixture,
  shopifyHeaders,
  TEST_SHOP,
  TEST_SHOP_SELLER,
  TEST_SHOPIFY_NEXT_SECRET,
  TEST_SHOPIFY_SECRET,
} from '#test/support/shopify-factory.ts';

const adapter = shopifyAdapter({ shops: { [TEST_SHOP]: TEST_SHOP_SELLER } });
const receivedAt = '2026-11-06T09:00:00.000Z';
const ids = { returnId: '123134564567890', orderId: '4783296544821' };

function request(topic: string, body: string, opts: Parameters<typeof shopifyHeaders>[1] | object = {}): InboundWebhook {
  return { headers: shopifyHeaders(body, { topic, triggeredAt: receivedAt, ...opts }), rawBody: body };
}

function parse(topic: string, body: string, opts: object = {}) {
  return adapter.parse(request(topic, body, opts), { marketplace: 'shopify', receivedAt });
}

function parsed(topic: string, body: string, opts: object = {}): ParsedDelivery<ShopifyDelivery> {
  const result = parse(topic, body, opts);
  if (result.kind !== 'PARSED') throw new Error(`expected PARSED, got ${result.kind}`);
  return result;
}

function payloadOf(t: Translation) {
  if (t.kind !== 'PAYLOAD') throw new Error(`expected PAYLOAD, got ${JSON.stringify(t)}`);
  return t.payload;
}

/** The case a request for the fixture return would have stored. */
function storedCase(): CaseRecord {
  const p = parsed('returns/request', shopifyBody('returns/request', ids));
  const payload = payloadOf(adapter.translate(p, { marketplace: 'shopify', receivedAt, existing: undefined }));
  return {
    caseId: 'cs_000000000000000000000000',
    marketplace: 'shopify',
    marketplaceReturnId: ids.returnId,
    orderId: ids.orderId,
    sellerId: TEST_SHOP_SELLER,
    status: 'NEEDS_REVIEW',
    version: 1,
    createdAt: receivedAt,
    updatedAt: receivedAt,
    lastEventAt: receivedAt,
    priority: 'NORMAL',
    escalationLevel: 'AGENT',
    return: payload.return as ReturnV1,
  };
}

function validationIssues(fn: () => unknown): { field: string; problem: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('Shopify signature', () => {
  const body = shopifyFixture('returns/request');

  it('is the base64 HMAC-SHA256 of the raw body with the app secret', () => {
    const expected = createHmac('sha256', TEST_SHOPIFY_SECRET).update(body, 'utf8').digest('base64');
    expect(shopifyHmac(TEST_SHOPIFY_SECRET, body)).toBe(expected);
    expect(verifyShopifyHmac(expected, body, [TEST_SHOPIFY_SECRET])).toEqual({ ok: true });
  });

  it('accepts the second secret of a rotation, and either order of secrets', () => {
    const signed = shopifyHmac(TEST_SHOPIFY_NEXT_SECRET, body);
    expect(verifyShopifyHmac(signed, body, [TEST_SHOPIFY_SECRET, TEST_SHOPIFY_NEXT_SECRET])).toEqual({ ok: true });
    expect(verifyShopifyHmac(signed, body, [TEST_SHOPIFY_NEXT_SECRET, TEST_SHOPIFY_SECRET])).toEqual({ ok: true });
    expect(verifyShopifyHmac(signed, body, [TEST_SHOPIFY_SECRET])).toEqual({ ok: false, reason: 'SIGNATURE_MISMATCH' });
  });

  it('refuses a changed body, a missing header and a header that is not a base64 SHA-256', () => {
    const signed = shopifyHmac(TEST_SHOPIFY_SECRET, body);
    expect(verifyShopifyHmac(signed, `${body} `, [TEST_SHOPIFY_SECRET])).toEqual({ ok: false, reason: 'SIGNATURE_MISMATCH' });
    expect(verifyShopifyHmac(undefined, body, [TEST_SHOPIFY_SECRET])).toEqual({ ok: false, reason: 'MISSING_HEADER' });
    expect(verifyShopifyHmac('  ', body, [TEST_SHOPIFY_SECRET])).toEqual({ ok: false, reason: 'MISSING_HEADER' });
    const hex = createHmac('sha256', TEST_SHOPIFY_SECRET).update(body).digest('hex');
    expect(verifyShopifyHmac(hex, body, [TEST_SHOPIFY_SECRET])).toEqual({ ok: false, reason: 'MALFORMED_HEADER' });
    expect(verifyShopifyHmac(signed.slice(0, 20), body, [TEST_SHOPIFY_SECRET])).toEqual({ ok: false, reason: 'MALFORMED_HEADER' });
  });

  it('the adapter reads the X-Shopify-Hmac-Sha256 header, not X-Signature', () => {
    const r = request('returns/request', body);
    expect(adapter.verify(r, [TEST_SHOPIFY_SECRET], 0)).toEqual({ ok: true });
    expect(canonicalOnly.adapterFor('shopify').verify(r, [TEST_SHOPIFY_SECRET], 0)).toEqual({ ok: false, reason: 'MISSING_HEADER' });
  });
});

describe('Shopify return reasons', () => {
  it("maps every Shopify reason onto a reason code, by Shopify's own definitions", () => {
    expect(Object.fromEntries(shopifyReturnReasons.map((r) => [r, reasonCodeFor(r)]))).toEqual({
      color: 'BUYER_NO_REASON_RETURN',
      defective: 'PRODUCT_QUALITY_DEFECT',
      not_as_described: 'PRODUCT_NOT_AS_PICTURED',
      size_too_large: 'PRODUCT_SIZE_PROBLEM',
      size_too_small: 'PRODUCT_SIZE_PROBLEM',
      style: 'BUYER_NO_REASON_RETURN',
      unwanted: 'BUYER_NO_REASON_RETURN',
      wrong_item: 'PRODUCT_WRONG_ITEM',
      other: 'BUYER_NO_REASON_RETURN',
      unknown: 'BUYER_NO_REASON_RETURN',
    });
  });

  it('counts a reason it does not know, or none, as unknown', () => {
    expect(reasonCodeFor('damaged_in_a_new_way')).toBe('BUYER_NO_REASON_RETURN');
    expect(reasonCodeFor(null)).toBe('BUYER_NO_REASON_RETURN');
    expect(reasonCodeFor('__proto__')).toBe('BUYER_NO_REASON_RETURN');
  });
});

describe('Shopify body schemas', () => {
  it.each(shopifyTopics)('the %s fixture matches its schema', (topic) => {
    expect(shopifyWebhookBodySchemas[topic].safeParse(JSON.parse(shopifyFixture(topic))).error).toBeUndefined();
  });

  it('binds the topic to the body: a reopen body sent as returns/cancel is refused', () => {
    const issues = validationIssues(() => parse('returns/cancel', shopifyFixture('returns/reopen')));
    expect(issues).toEqual([expect.objectContaining({ field: 'status' })]);
  });

  it('refuses an id that is not the one in admin_graphql_api_id', () => {
    const body = shopifyFixture('returns/cancel').replace('"id": 123134564567890', '"id": 5');
    expect(validationIssues(() => parse('returns/cancel', body))).toEqual([
      { field: 'id', problem: 'must be the number in admin_graphql_api_id' },
    ]);
  });

  it('ignores fields a later API version adds', () => {
    const body = JSON.stringify({ ...JSON.parse(shopifyFixture('returns/close')), brand_new_field: { x: 1 } });
    expect(parse('returns/close', body).kind).toBe('PARSED');
  });
});

describe('Shopify headers', () => {
  const body = shopifyFixture('returns/request');

  it.each([
    ['x-shopify-topic', 'X-Shopify-Topic'],
    ['x-shopify-shop-domain', 'X-Shopify-Shop-Domain'],
    ['x-shopify-webhook-id', 'X-Shopify-Webhook-Id'],
  ])('refuses a delivery without %s, naming the header', (name, label) => {
    expect(validationIssues(() => parse('returns/request', body, { omit: [name] }))).toEqual([{ field: label, problem: 'is required' }]);
  });

  it('refuses a shop it does not serve, naming the header', () => {
    expect(validationIssues(() => parse('returns/request', body, { shop: 'elsewhere.myshopify.com' }))).toEqual([
      { field: 'X-Shopify-Shop-Domain', problem: "'elsewhere.myshopify.com' is not a shop this service serves" },
    ]);
  });

  it('acknowledges a topic it does not handle, without reading the body', () => {
    expect(parse('orders/create', 'not even json')).toMatchObject({ kind: 'IGNORE', reason: 'UNSUPPORTED_TOPIC' });
  });

  it('derives one delivery id per topic and event, whatever the webhook id', () => {
    const a = parsed('returns/request', body, { eventId: 'evt-1', webhookId: 'wh-1' });
    const b = parsed('returns/request', body, { eventId: 'evt-1', webhookId: 'wh-2' });
    const c = parsed('returns/approve', shopifyFixture('returns/approve'), { eventId: 'evt-1', webhookId: 'wh-3' });
    expect(a.deliveryId).toBe('shopify:returns-request:evt-1');
    expect(b.deliveryId).toBe(a.deliveryId);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.deliveryId).not.toBe(a.deliveryId);
  });

  it('falls back to the webhook id when the event id header is absent', () => {
    expect(parsed('returns/request', body, { eventId: null, webhookId: 'wh-9' }).deliveryId).toBe('shopify:returns-request:wh-wh-9');
  });

  it('orders events by arrival, not by the unsigned X-Shopify-Triggered-At, which is only checked', () => {
    const translateAt = (opts: object, at: string) =>
      payloadOf(adapter.translate(parsed('returns/request', body, opts), { marketplace: 'shopify', receivedAt: at, existing: undefined }));
    const later = '2026-11-06T09:00:05.000Z';
    expect(translateAt({ triggeredAt: '2026-11-05T18:00:27.877041743Z' }, later).occurredAt).toBe(later);
    expect(translateAt({ omit: ['x-shopify-triggered-at'] }, later).occurredAt).toBe(later);
    expect(validationIssues(() => parse('returns/request', body, { triggeredAt: 'yesterday' }))).toEqual([
      { field: 'X-Shopify-Triggered-At', problem: 'must be an ISO 8601 date-time' },
    ]);
    // Within the allowed clock skew is fine; a far-future time is refused naming the header.
    expect(parsed('returns/request', body, { triggeredAt: '2026-11-06T09:04:00Z' }).kind).toBe('PARSED');
    expect(validationIssues(() => parse('returns/request', body, { triggeredAt: '9999-12-31T23:59:59Z' }))).toEqual([
      { field: 'X-Shopify-Triggered-At', problem: "must not be later than the receiver's clock plus 5 minutes" },
    ]);
  });

  it('keys a delivery by its signed body as well, so a body replayed under a fresh event id is caught', () => {
    const a = parsed('returns/reopen', shopifyBody('returns/reopen', ids), { eventId: 'evt-1' });
    const replay = parsed('returns/reopen', shopifyBody('returns/reopen', ids), { eventId: 'evt-forged-2' });
    expect(replay.deliveryId).not.toBe(a.deliveryId);
    expect(replay.aliases).toEqual(a.aliases);
    expect(a.aliases?.[0]).toMatch(/^shopify:returns-reopen:body-[0-9a-f]{40}$/);
  });
});

describe('Shopify translation', () => {
  it('a request becomes a valid canonical return with honest defaults and no invented facts', () => {
    const p = parsed('returns/request', shopifyBody('returns/request', ids));
    const payload = payloadOf(adapter.translate(p, { marketplace: 'shopify', receivedAt, existing: undefined }));
    expect(WebhookPayloadSchema.safeParse(payload).success).toBe(true);
    expect(payload).toMatchObject({ eventType: 'return.requested', deliveryId: p.deliveryId, occurredAt: receivedAt });
    expect(payload.return).toEqual({
      marketplaceReturnId: ids.returnId,
      orderId: ids.orderId,
      sellerId: TEST_SHOP_SELLER,
      buyerRef: `order-${ids.orderId}`,
      // One defective item outweighs a size problem.
      reason: 'PRODUCT_QUALITY_DEFECT',
      reasonDetail: 'The zip broke the first time I used it.\nPlease send the next size up instead if you can.',
      ticketType: 'RETURN',
      safetyHazard: 'NONE',
      timeline: { orderedAt: receivedAt, claimedAt: receivedAt },
      money: { currency: 'XXX', itemValue: 0, amountPaid: 0, shippingCost: 0 },
      shippingRegion: 'OTHER_PROVINCE',
      deliveryInspection: 'UNKNOWN',
      evidence: [],
      requestedRemedy: 'RETURN_AND_REFUND',
      items: [
        { id: '987654321', quantity: 2, reason: 'PRODUCT_QUALITY_DEFECT' },
        { id: '987654322', quantity: 1, reason: 'PRODUCT_SIZE_PROBLEM' },
      ],
      listing: {},
      signals: {},
    });
  });

  it.each([
    ['a currency the contract accepts is taken', 'EUR', 'EUR'],
    ['a well-formed code the system cannot format stays not known', 'ABC', 'XXX'],
    ['a malformed code stays not known', 'eur', 'XXX'],
  ])("the shop's currency from its return shipping fee: %s", (_name, code, currency) => {
    const fee = { price: { shop_money: { amount: '5.00', currency_code: code } } };
    const body = JSON.stringify({ ...JSON.parse(shopifyFixture('returns/request')), return_shipping_fees: [fee] });
    const payload = payloadOf(
      adapter.translate(parsed('returns/request', body), { marketplace: 'shopify', receivedAt, existing: undefined }),
    );
    expect(WebhookPayloadSchema.safeParse(payload).success).toBe(true);
    expect(payload.eventType === 'return.requested' && payload.return.money).toEqual({
      currency,
      itemValue: 0,
      amountPaid: 0,
      shippingCost: 0,
    });
  });

  it("a request without line items (as in Shopify's own example) is a return with no reason given", () => {
    const body = JSON.stringify({ ...JSON.parse(shopifyFixture('returns/request')), return_line_items: [], total_return_line_items: 0 });
    const payload = payloadOf(
      adapter.translate(parsed('returns/request', body), { marketplace: 'shopify', receivedAt, existing: undefined }),
    );
    expect(payload.eventType === 'return.requested' && payload.return).toMatchObject({ reason: 'BUYER_NO_REASON_RETURN', items: [] });
  });

  it('an update delta is merged onto the stored return: the removed item no longer decides the reason', () => {
    const existing = storedCase();
    const p = parsed('returns/update', shopifyBody('returns/update', ids));
    const payload = payloadOf(adapter.translate(p, { marketplace: 'shopify', receivedAt, existing }));
    expect(payload.eventType).toBe('return.updated');
    expect(payload.return).toEqual({
      ...existing.return,
      items: [
        { id: '987654321', quantity: 0, reason: 'PRODUCT_QUALITY_DEFECT' },
        { id: '987654322', quantity: 1, reason: 'PRODUCT_SIZE_PROBLEM' },
      ],
      reason: 'PRODUCT_SIZE_PROBLEM',
    });
  });

  it('keeps what the seller API added when a full return object arrives (approve)', () => {
    const existing = storedCase();
    const enriched: CaseRecord = {
      ...existing,
      return: { ...existing.return, money: { currency: 'EUR', itemValue: 5_000, amountPaid: 5_000, shippingCost: 500 }, evidence: [] },
    };
    const payload = payloadOf(
      adapter.translate(parsed('returns/approve', shopifyBody('returns/approve', ids)), {
        marketplace: 'shopify',
        receivedAt,
        existing: enriched,
      }),
    );
    // The published approve example has an exchange and no return line items.
    expect(payload.return).toEqual({ ...enriched.return, requestedRemedy: 'REPLACEMENT' });
  });

  it('an approve for a return never requested creates it from the object', () => {
    const payload = payloadOf(
      adapter.translate(parsed('returns/approve', shopifyBody('returns/approve', ids)), {
        marketplace: 'shopify',
        receivedAt,
        existing: undefined,
      }),
    );
    expect(payload).toMatchObject({
      eventType: 'return.updated',
      return: { marketplaceReturnId: ids.returnId, requestedRemedy: 'REPLACEMENT' },
    });
  });

  it.each(['returns/decline', 'returns/reopen', 'returns/close'] as const)('%s records an update with the facts unchanged', (topic) => {
    const existing = storedCase();
    const payload = payloadOf(adapter.translate(parsed(topic, shopifyBody(topic, ids)), { marketplace: 'shopify', receivedAt, existing }));
    expect(payload).toMatchObject({ eventType: 'return.updated', return: existing.return });
  });

  it.each(['returns/decline', 'returns/reopen', 'returns/close', 'returns/update', 'reverse_deliveries/attach_deliverable'] as const)(
    '%s for a return never seen awaits the return (held, then replayed onto it)',
    (topic) => {
      const t = adapter.translate(parsed(topic, shopifyBody(topic, ids)), { marketplace: 'shopify', receivedAt, existing: undefined });
      expect(t).toEqual({ kind: 'AWAIT_RETURN' });
    },
  );

  it('a delta that changes none of our facts is acknowledged and ignored', () => {
    const existing = storedCase();
    const feesOnly = JSON.stringify({ ...JSON.parse(shopifyBody('returns/update', ids)), return_line_items: { removals: [] } });
    const unknownItem = shopifyBody('returns/update', ids).replace('ReturnLineItem/987654321', 'ReturnLineItem/1');
    for (const body of [feesOnly, unknownItem]) {
      expect(adapter.translate(parsed('returns/update', body), { marketplace: 'shopify', receivedAt, existing })).toEqual({
        kind: 'IGNORE',
        reason: 'NOTHING_TO_MERGE',
      });
    }
  });

  it("a reverse delivery's tracking becomes the return parcel: the return's id (not the delivery's), carrier as an identifier, no spaces", () => {
    const existing = storedCase();
    const topic = 'reverse_deliveries/attach_deliverable';
    const p = parsed(topic, shopifyBody(topic, ids));
    expect(p.marketplaceReturnId).toBe(ids.returnId);
    const payload = payloadOf(adapter.translate(p, { marketplace: 'shopify', receivedAt, existing }));
    expect(payload).toEqual({
      schemaVersion: 1,
      deliveryId: p.deliveryId,
      occurredAt: receivedAt,
      eventType: 'return.shipment',
      return: { marketplaceReturnId: ids.returnId, orderId: existing.return.orderId, sellerId: TEST_SHOP_SELLER },
      shipment: { carrier: 'Canada-Post', trackingNumber: '7316230094501234', scans: [] },
    });
  });

  it.each([
    ['no tracking at all', { shipping_deliverable: null }],
    ['a label without a tracking number', { shipping_deliverable: { tracking: { carrier_name: 'UPS', tracking_number: '  ' } } }],
  ])('a reverse delivery with %s is acknowledged and ignored', (_name, change) => {
    const topic = 'reverse_deliveries/attach_deliverable';
    const body = JSON.stringify({ ...JSON.parse(shopifyBody(topic, ids)), ...change });
    expect(adapter.translate(parsed(topic, body), { marketplace: 'shopify', receivedAt, existing: storedCase() })).toEqual({
      kind: 'IGNORE',
      reason: 'NO_TRACKING_NUMBER',
    });
  });

  it.each([
    ['Canada Post', 'Canada-Post'],
    ['  DHL Express ', 'DHL-Express'],
    ['(unknown) carrier', 'unknown-carrier'],
    [null, 'UNKNOWN'],
    ['順豐速運', 'UNKNOWN'],
  ])('carrier name %j is stored as %j', (name, carrier) => {
    expect(
      returnParcelOf({
        admin_graphql_api_id: 'gid://shopify/ReverseDelivery/1',
        return: { admin_graphql_api_id: 'gid://shopify/Return/2' },
        shipping_deliverable: { tracking: { carrier_name: name, tracking_number: 'AB 12' } },
      }),
    ).toEqual({ carrier, trackingNumber: 'AB12' });
  });

  it("a reverse delivery whose return id disagrees with the return's gid is refused naming return.id", () => {
    const topic = 'reverse_deliveries/attach_deliverable';
    const body = JSON.parse(shopifyBody(topic, ids));
    body.return.id = 1;
    expect(validationIssues(() => parse(topic, JSON.stringify(body)))).toEqual([
      { field: 'return.id', problem: 'must be the number in return.admin_graphql_api_id' },
    ]);
  });

  it('completes a new return from its order: returned lines valued, dates only where they fit the claim, scans Shopify calls scans', () => {
    const existing = storedCase();
    const body = JSON.parse(shopifyBody('returns/request', ids));
    const line = (li: { fulfillment_line_item: { line_item: { admin_graphql_api_id: string } } }) =>
      li.fulfillment_line_item.line_item.admin_graphql_api_id;
    const [first, second] = body.return_line_items.map(line);
    const order = {
      orderId: `gid://shopify/Order/${ids.orderId}`,
      currency: 'JPY',
      orderedAt: '2026-11-01T00:00:00Z',
      shippingCost: 800,
      lines: [
        { lineId: first, sku: null, quantity: 3, unitPrice: 1_200 },
        { lineId: second, sku: null, quantity: 1, unitPrice: 5_000 },
        { lineId: 'gid://shopify/LineItem/1', sku: null, quantity: 1, unitPrice: 99_999 },
      ],
      fulfilments: [
        {
          shippedAt: '2026-11-02T00:00:00Z',
          deliveredAt: '2099-01-01T00:00:00Z',
          carrier: 'Yamato Transport',
          trackingNumber: '4321 8765',
          scans: [
            { status: 'LABEL_PRINTED', at: '2026-11-01T12:00:00Z' },
            { status: 'IN_TRANSIT', at: '2026-11-02T12:00:00Z' },
            { status: 'ATTEMPTED_DELIVERY', at: '2026-11-03T12:00:00Z' },
          ],
        },
      ],
    };
    const enriched = enrichedReturn(existing.return, body, order);
    const quantities = body.return_line_items.map((li: { quantity: number }) => li.quantity) as number[];
    expect(enriched.money).toEqual({
      currency: 'JPY',
      itemValue: 1_200 * Math.min(quantities[0] ?? 0, 3) + 5_000 * Math.min(quantities[1] ?? 0, 1),
      amountPaid: 1_200 * Math.min(quantities[0] ?? 0, 3) + 5_000 * Math.min(quantities[1] ?? 0, 1),
      shippingCost: 800,
    });
    expect(enriched.timeline).toMatchObject({ orderedAt: '2026-11-01T00:00:00.000Z', shippedAt: '2026-11-02T00:00:00.000Z' });
    expect(enriched.timeline.deliveredAt).toBeUndefined(); // after the claim: not taken
    expect(enriched.carrier).toEqual({
      code: 'Yamato-Transport',
      trackingNumber: '43218765',
      events: [
        { type: 'IN_TRANSIT', at: '2026-11-02T12:00:00.000Z' },
        { type: 'DELIVERY_ATTEMPT_FAILED', at: '2026-11-03T12:00:00.000Z' },
      ],
      notTheAgreedCarrier: false,
    });
    // No returned line found in the order: every line counts (an upper bound, for staff to correct).
    const unmatched = enrichedReturn(existing.return, { ...body, return_line_items: [] }, order);
    expect(unmatched.money.itemValue).toBe(3 * 1_200 + 5_000 + 99_999);
  });

  it('a cancel carries the identifiers only', () => {
    const payload = payloadOf(
      adapter.translate(parsed('returns/cancel', shopifyBody('returns/cancel', ids)), {
        marketplace: 'shopify',
        receivedAt,
        existing: undefined,
      }),
    );
    expect(payload).toMatchObject({
      eventType: 'return.cancelled',
      return: { marketplaceReturnId: ids.returnId, orderId: ids.orderId, sellerId: TEST_SHOP_SELLER },
    });
  });
});

describe('marketplace registry and configuration', () => {
  it('gives Shopify its adapter and every other marketplace the canonical one', () => {
    const registry = marketplaceRegistry({ SHOPIFY_SHOPS: {} });
    expect(registry.adapterFor('shopify').format).toBe('shopify-returns');
    expect(registry.adapterFor('demo-market').format).toBe('canonical-v1');
  });

  it('validates SHOPIFY_SHOPS at cold start, naming what is wrong', () => {
    expect(MarketplaceConfigSchema.parse({ SHOPIFY_SHOPS: '{"a-shop.myshopify.com":"seller-1"}' })).toEqual({
      SHOPIFY_SHOPS: { 'a-shop.myshopify.com': 'seller-1' },
    });
    expect(MarketplaceConfigSchema.parse({})).toEqual({});
    expect(ShopifyShopsSchema.safeParse('not json').success).toBe(false);
    expect(ShopifyShopsSchema.safeParse('{"example.com":"seller-1"}').success).toBe(false);
    expect(ShopifyShopsSchema.safeParse('{"a-shop.myshopify.com":"not a seller id"}').success).toBe(false);
  });
});

describe('local signing (npm run sign -- --marketplace shopify)', () => {
  it.each(shopifyTopics)(
    'the %s sample is a valid Shopify body, signed with the shopify dev secret and addressed to the dev shop',
    async (topic) => {
      const { buildShopifySample, DEV_SHOPIFY_SHOP, shopifySignedRequest } = await import('#local/sample-webhook.ts');
      const { DEV_WEBHOOK_SECRETS } = await import('#local/dev-secrets.ts');
      const body = JSON.stringify(buildShopifySample({ topic, returnId: '42' }));
      expect(shopifyWebhookBodySchemas[topic].safeParse(JSON.parse(body)).error).toBeUndefined();
      const req = shopifySignedRequest({ baseUrl: 'http://127.0.0.1:3000/', body, topic });
      expect(req.url).toBe('http://127.0.0.1:3000/webhooks/shopify');
      expect(req.headers).toMatchObject({ 'x-shopify-topic': topic, 'x-shopify-shop-domain': DEV_SHOPIFY_SHOP });
      expect(verifyShopifyHmac(req.headers['x-shopify-hmac-sha256'], body, [DEV_WEBHOOK_SECRETS.shopify ?? ''])).toEqual({ ok: true });
    },
  );
});

describe("reverse_fulfillment_orders/dispose (#15): the goods are back in the merchant's hands", () => {
  const topic = 'reverse_fulfillment_orders/dispose';
  const rfo = `gid://shopify/ReverseFulfillmentOrder/${ids.returnId}`;
  const restockedAll: ReverseFulfilment['lines'] = [{ totalQuantity: 1, dispositions: [{ type: 'RESTOCKED', quantity: 1 }] }];
  const parcel = { carrier: 'Canada Post', trackingNumber: '7316 2300 9450 1234' };

  function unlocated(body = shopifyBody(topic, ids)): UnlocatedDelivery<ShopifyDelivery> {
    const result = parse(topic, body);
    if (result.kind !== 'UNLOCATED') throw new Error(`expected UNLOCATED, got ${result.kind}`);
    return result;
  }
  /** An Admin API that knows one reverse fulfilment order (and records what it was asked). */
  function admin(found: ReverseFulfilment | null | Error): MarketplaceOrderReader & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      readOrder: async () => null,
      readReverseFulfilment: async (_shop, id) => {
        asked.push(id);
        if (found instanceof Error) throw found;
        return found;
      },
    };
  }
  async function located(lines: ReverseFulfilment['lines'], parcels: ReverseFulfilment['parcels'] = [parcel]) {
    const result = await adapter.locate?.(unlocated(), admin({ returnId: `gid://shopify/Return/${ids.returnId}`, lines, parcels }));
    if (result?.kind !== 'PARSED') throw new Error(`expected PARSED, got ${JSON.stringify(result)}`);
    return result;
  }
  const translate = (p: ParsedDelivery<ShopifyDelivery>, existing: CaseRecord | undefined) =>
    adapter.translate(p, { marketplace: 'shopify', receivedAt, existing });

  it('parses to UNLOCATED: the body names no return; the dedupe keys and fingerprint come from the order and the body', () => {
    const u = unlocated();
    expect(u).toMatchObject({
      kind: 'UNLOCATED',
      eventType: 'return.shipment',
      deliveryId: expect.stringContaining('reverse_fulfillment_orders-dispose'),
    });
    expect(u.aliases).toHaveLength(1);
    expect('marketplaceReturnId' in u).toBe(false);
    // The same order disposed again (another event): same fingerprint; another order: another.
    expect(unlocated().fingerprint).toBe(u.fingerprint);
    const other = shopifyBody(topic, ids).replaceAll(ids.returnId, '999');
    expect(unlocated(other).fingerprint).not.toBe(u.fingerprint);
  });

  it('accepts the numeric id alone, refuses a body with neither id, and a gid that disagrees with the id', () => {
    expect(unlocated(JSON.stringify({ id: 5 })).kind).toBe('UNLOCATED');
    expect(validationIssues(() => parse(topic, JSON.stringify({ dispositions: [] })))).toEqual([
      { field: 'admin_graphql_api_id', problem: 'is required (or id)' },
    ]);
    expect(validationIssues(() => parse(topic, JSON.stringify({ id: 5, admin_graphql_api_id: rfo })))).toEqual([
      { field: 'id', problem: 'must be the number in admin_graphql_api_id' },
    ]);
  });

  it('locate asks the Admin API for the reverse fulfilment order and names the return it belongs to', async () => {
    const api = admin({ returnId: `gid://shopify/Return/${ids.returnId}`, lines: restockedAll, parcels: [] });
    const result = await adapter.locate?.(unlocated(), api);
    expect(api.asked).toEqual([rfo]);
    expect(result).toMatchObject({
      kind: 'PARSED',
      marketplaceReturnId: ids.returnId,
      data: { disposal: { lines: restockedAll, parcels: [] } },
    });
  });

  it('locate ignores an order Shopify does not know or no return lists, and answers 503 when the Admin API fails', async () => {
    for (const found of [null, { returnId: null, lines: restockedAll, parcels: [] }]) {
      expect(await adapter.locate?.(unlocated(), admin(found))).toMatchObject({
        kind: 'IGNORE',
        reason: 'UNKNOWN_REVERSE_FULFILLMENT_ORDER',
      });
    }
    await expect(adapter.locate?.(unlocated(), admin(new Error('socket hang up')))).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it.each([
    ['every unit restocked', restockedAll, { received: true, inspection: 'AS_SENT' }],
    [
      'one of two units missing',
      [
        {
          totalQuantity: 2,
          dispositions: [
            { type: 'RESTOCKED', quantity: 1 },
            { type: 'MISSING', quantity: 1 },
          ],
        },
      ],
      { received: true, inspection: 'PARTS_MISSING' },
    ],
    [
      'a line missing, another not restocked',
      [
        { totalQuantity: 1, dispositions: [{ type: 'MISSING', quantity: 1 }] },
        { totalQuantity: 1, dispositions: [{ type: 'NOT_RESTOCKED', quantity: 1 }] },
      ],
      { received: true, inspection: 'PARTS_MISSING' },
    ],
    [
      'not restocked (state for staff to judge)',
      [{ totalQuantity: 1, dispositions: [{ type: 'NOT_RESTOCKED', quantity: 1 }] }],
      { received: true },
    ],
    ['processing required', [{ totalQuantity: 1, dispositions: [{ type: 'PROCESSING_REQUIRED', quantity: 1 }] }], { received: true }],
    [
      'one of two units restocked, the other not disposed of yet',
      [{ totalQuantity: 2, dispositions: [{ type: 'RESTOCKED', quantity: 1 }] }],
      { received: true },
    ],
    ['every unit missing', [{ totalQuantity: 1, dispositions: [{ type: 'MISSING', quantity: 1 }] }], { received: false }],
    ['nothing disposed of', [{ totalQuantity: 1, dispositions: [] }], { received: false }],
  ] as const)('%s → %j', (_name, lines, outcome) => {
    expect(disposalOutcome(lines)).toEqual(outcome);
  });

  it("becomes the parcel's receipt and inspection on the parcel already on the case", async () => {
    const existing = { ...storedCase(), returnLeg: { carrier: 'Royal-Mail', trackingNumber: 'RM1', scans: [] } };
    const p = await located(restockedAll);
    expect(payloadOf(translate(p, existing))).toEqual({
      schemaVersion: 1,
      deliveryId: p.deliveryId,
      occurredAt: receivedAt,
      eventType: 'return.shipment',
      return: { marketplaceReturnId: ids.returnId, orderId: existing.return.orderId, sellerId: TEST_SHOP_SELLER },
      shipment: {
        carrier: 'Royal-Mail',
        trackingNumber: 'RM1',
        scans: [],
        receivedAt,
        inspection: { outcome: 'AS_SENT', inspectedAt: receivedAt },
      },
    });
  });

  it("takes the reverse delivery's tracking when the case has no parcel; keeps the first receipt and staff's inspection", async () => {
    const p = await located([{ totalQuantity: 1, dispositions: [{ type: 'NOT_RESTOCKED', quantity: 1 }] }]);
    expect(payloadOf(translate(p, storedCase()))).toMatchObject({
      shipment: { carrier: 'Canada-Post', trackingNumber: '7316230094501234', receivedAt },
    });
    const inspected = {
      ...storedCase(),
      returnLeg: {
        carrier: 'Royal-Mail',
        trackingNumber: 'RM1',
        scans: [],
        receivedAt: '2026-11-05T10:00:00.000Z',
        inspection: { outcome: 'USED_OR_DAMAGED_BY_BUYER' as const, conditionGrade: 'C' as const, inspectedAt: '2026-11-05T11:00:00.000Z' },
      },
    };
    const payload = payloadOf(translate(await located(restockedAll), inspected));
    expect(payload).toMatchObject({ eventType: 'return.shipment' });
    expect((payload as { shipment: unknown }).shipment).toEqual({
      carrier: 'Royal-Mail',
      trackingNumber: 'RM1',
      scans: [],
      receivedAt: '2026-11-05T10:00:00.000Z',
    });
  });

  it('is acknowledged and ignored when nothing arrived, no parcel is known, or the case has ended; awaits a return not seen yet', async () => {
    const missing = await located([{ totalQuantity: 1, dispositions: [{ type: 'MISSING', quantity: 1 }] }]);
    expect(translate(missing, storedCase())).toEqual({ kind: 'IGNORE', reason: 'NOTHING_RECEIVED' });
    expect(translate(await located(restockedAll, [{ carrier: 'UPS', trackingNumber: null }]), storedCase())).toEqual({
      kind: 'IGNORE',
      reason: 'NO_RETURN_PARCEL_TRACKING',
    });
    for (const status of ['CLOSED', 'CANCELLED'] as const) {
      expect(translate(await located(restockedAll), { ...storedCase(), status })).toEqual({ kind: 'IGNORE', reason: 'CASE_ENDED' });
    }
    expect(translate(await located(restockedAll), undefined)).toEqual({ kind: 'AWAIT_RETURN' });
  });
});
