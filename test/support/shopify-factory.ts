import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { shopifyHmac } from '#lib/marketplaces/shopify/adapter.ts';
import type { ShopifyTopic } from '#lib/marketplaces/shopify/body-schemas.ts';
import { httpEvent } from './webhook-factory.ts';

/**
 * Shopify deliveries for tests: the fixtures under test/fixtures/shopify are shaped like
 * Shopify's published webhook examples for the returns topics; these helpers give them
 * fresh ids (so tests sharing a table do not meet) and sign them as Shopify does.
 */

export const SHOPIFY = 'shopify';
export const TEST_SHOPIFY_SECRET = 'test-shopify-app-secret-at-least-32-chars-0001';
/** The secret that replaces it during a rotation: both are valid for a while. */
export const TEST_SHOPIFY_NEXT_SECRET = 'test-shopify-app-secret-at-least-32-chars-0002';
export const TEST_SHOP = 'dispute-desk-test.myshopify.com';
export const TEST_SHOP_SELLER = 'seller-shopify-1';

/** The ids the fixtures use, replaced by fresh ones in `shopifyBody`. */
const FIXTURE_RETURN_ID = '123134564567890';
const FIXTURE_ORDER_ID = '4783296544821';

const fixtureTopics = {
  'returns/request': 'returns_request.json',
  'returns/approve': 'returns_approve.json',
  'returns/decline': 'returns_decline.json',
  'returns/cancel': 'returns_cancel.json',
  'returns/close': 'returns_close.json',
  'returns/reopen': 'returns_reopen.json',
  'returns/update': 'returns_update.json',
  'reverse_deliveries/attach_deliverable': 'reverse_deliveries_attach_deliverable.json',
  // Its reverse fulfilment order carries the return's number, so fresh ids make a fresh one.
  'reverse_fulfillment_orders/dispose': 'reverse_fulfillment_orders_dispose.json',
} as const satisfies Record<ShopifyTopic, string>;

/** The fixture's raw JSON text, exactly as stored. */
export function shopifyFixture(topic: ShopifyTopic): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/shopify/${fixtureTopics[topic]}`, import.meta.url)), 'utf8');
}

export type ShopifyIds = { returnId: string; orderId: string };

/** Fresh return and order ids, shaped like Shopify's (numbers well inside 2^53). */
export function freshShopifyIds(): ShopifyIds {
  return { returnId: String(randomInt(10 ** 12, 10 ** 14)), orderId: String(randomInt(10 ** 12, 10 ** 13)) };
}

/** The fixture of a topic with its return and order ids replaced; the shape is untouched. */
export function shopifyBody(topic: ShopifyTopic, ids: ShopifyIds): string {
  return shopifyFixture(topic).replaceAll(FIXTURE_RETURN_ID, ids.returnId).replaceAll(FIXTURE_ORDER_ID, ids.orderId);
}

export type ShopifyDeliveryOptions = {
  topic: string;
  shop?: string;
  secret?: string;
  /** @default a fresh UUID; a retry of one delivery reuses it */
  webhookId?: string;
  /** @default a fresh UUID; every delivery of one event carries it; null leaves the header out */
  eventId?: string | null;
  /** @default now */
  triggeredAt?: string;
  /** Overrides the signature header; null leaves it out. */
  hmac?: string | null;
  /** Headers to leave out. */
  omit?: readonly string[];
};

/** Headers exactly as Shopify sends them (API Gateway hands them over lower-cased). */
export function shopifyHeaders(body: string, opts: ShopifyDeliveryOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-topic': opts.topic,
    'x-shopify-shop-domain': opts.shop ?? TEST_SHOP,
    'x-shopify-webhook-id': opts.webhookId ?? randomUUID(),
    'x-shopify-triggered-at': opts.triggeredAt ?? new Date().toISOString(),
    'x-shopify-api-version': '2025-01',
  };
  const eventId = opts.eventId === undefined ? randomUUID() : opts.eventId;
  if (eventId !== null) headers['x-shopify-event-id'] = eventId;
  const hmac = opts.hmac === undefined ? shopifyHmac(opts.secret ?? TEST_SHOPIFY_SECRET, body) : opts.hmac;
  if (hmac !== null) headers['x-shopify-hmac-sha256'] = hmac;
  for (const name of opts.omit ?? []) delete headers[name];
  return headers;
}

/** A signed Shopify delivery to `POST /webhooks/shopify`. */
export function shopifyWebhookEvent(body: string, opts: ShopifyDeliveryOptions): APIGatewayProxyEventV2 {
  return httpEvent({
    method: 'POST',
    path: `/webhooks/${SHOPIFY}`,
    routeKey: 'POST /webhooks/{marketplace}',
    pathParameters: { marketplace: SHOPIFY },
    headers: shopifyHeaders(body, opts),
    body,
  });
}
