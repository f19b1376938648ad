import { randomUUID } from 'node:crypto';
import type { EventType, WebhookPayloadInput } from '#lib/contract/return-payload.ts';
import { signatureHeader } from '#lib/contract/webhook-signature.ts';
import { shopifyHmac } from '#lib/marketplaces/shopify/adapter.ts';
import type { ShopifyTopic } from '#lib/marketplaces/shopify/body-schemas.ts';
import { DEV_SHOPIFY_SELLER, DEV_SHOPIFY_SHOP } from '#lib/marketplaces/shopify/dev.ts';
import { shopify } from '#lib/marketplaces/shopify/index.ts';
import { DEV_WEBHOOK_SECRETS } from './dev-secrets.ts';

/**
 * One place that builds and signs sample webhooks, shared by `npm run sign` and the
 * local-runtime test, so the test proves exactly what a developer would send by hand.
 */

export const DEFAULT_MARKETPLACE = 'demo-market';

export type SamplePayloadOptions = {
  /** @default 'return.requested' */
  eventType?: EventType;
  /** @default a fresh `RET-<uuid>` */
  returnId?: string;
  /** @default a fresh `DLV-<uuid>` (a retry of one delivery would reuse it) */
  deliveryId?: string;
  /** @default new Date() */
  now?: Date;
};

const DAY_MS = 24 * 3600 * 1000;

/** A canonical v1 payload: a buyer says a delivered kettle arrived defective. */
export function buildSamplePayload(options: SamplePayloadOptions = {}): WebhookPayloadInput {
  const now = options.now ?? new Date();
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY_MS).toISOString();
  const eventType = options.eventType ?? 'return.requested';
  const ids = {
    marketplaceReturnId: options.returnId ?? `RET-${randomUUID()}`,
    orderId: 'ORD-1001',
    sellerId: 'SELLER-42',
  };
  const envelope = {
    schemaVersion: 1 as const,
    deliveryId: options.deliveryId ?? `DLV-${randomUUID()}`,
    occurredAt: now.toISOString(),
  };
  if (eventType === 'return.cancelled') return { ...envelope, eventType, return: ids };
  if (eventType === 'replacement.shipment') {
    // The replacement of a reship, delivered (resolves a case settled with a reship).
    return {
      ...envelope,
      eventType,
      return: ids,
      replacement: { carrier: 'DHL', trackingNumber: 'RPL-123456', scans: [{ type: 'DELIVERED', at: at(0.1) }] },
    };
  }
  if (eventType === 'return.appealed') {
    // The buyer appeals the decision (#19): re-opens it once, within the appeal window.
    return { ...envelope, eventType, return: ids };
  }
  if (eventType === 'return.shipment') {
    // The buyer's parcel back: picked up and received by the seller (releases a held refund).
    return {
      ...envelope,
      eventType,
      return: ids,
      shipment: {
        carrier: 'DHL',
        trackingNumber: 'RTN-123456',
        scans: [{ type: 'PICKED_UP', at: at(0.5) }],
        receivedAt: now.toISOString(),
      },
    };
  }
  return {
    ...envelope,
    eventType,
    return: {
      ...ids,
      buyerRef: 'BUYER-7f3a',
      reason: 'PRODUCT_QUALITY_DEFECT',
      timeline: { orderedAt: at(10), shippedAt: at(9), deliveredAt: at(7), claimedAt: at(1) },
      money: { currency: 'EUR', itemValue: 4_999, amountPaid: 4_999, shippingCost: 499 },
      shippingRegion: 'SAME_CITY',
      carrier: { code: 'DHL', trackingNumber: 'TRK-123456', events: [{ type: 'DELIVERED', at: at(7) }] },
      deliveryInspection: 'NOT_PERFORMED',
      evidence: [{ id: 'EV-1', kind: 'PRODUCT_PHOTO', finding: 'DEFECTIVE', submittedBy: 'BUYER', submittedAt: at(1) }],
      requestedRemedy: 'RETURN_AND_REFUND',
      listing: { returnWindowDays: 30, sku: 'KETTLE-1' },
    },
  };
}

export type SignedRequest = {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
};

export class UnknownMarketplaceError extends Error {
  override readonly name = 'UnknownMarketplaceError';
}

/**
 * The complete request a marketplace would send: JSON body, `X-Signature` made with that
 * marketplace's development secret and the current time (or `nowSeconds`).
 */
export function signedRequest(options: {
  baseUrl: string;
  body: string;
  marketplace?: string;
  /** @default the development secret of the marketplace (local/dev-secrets.ts) */
  secret?: string;
  /** @default Math.floor(Date.now() / 1000) */
  nowSeconds?: number;
}): SignedRequest {
  const marketplace = options.marketplace ?? DEFAULT_MARKETPLACE;
  const secret = options.secret ?? DEV_WEBHOOK_SECRETS[marketplace];
  if (secret === undefined) {
    throw new UnknownMarketplaceError(
      `No development secret for marketplace '${marketplace}'; known: ${Object.keys(DEV_WEBHOOK_SECRETS).join(', ')}`,
    );
  }
  const timestamp = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  return {
    method: 'POST',
    url: `${options.baseUrl.replace(/\/$/, '')}/webhooks/${encodeURIComponent(marketplace)}`,
    headers: { 'content-type': 'application/json', 'x-signature': signatureHeader(secret, timestamp, options.body) },
    body: options.body,
  };
}

/** A copy-pasteable curl command; single quotes in the body are escaped for POSIX shells. */
export function toCurlCommand(request: SignedRequest): string {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  const headers = Object.entries(request.headers).map(([name, value]) => `-H ${quote(`${name}: ${value}`)}`);
  return ['curl', '-sS', '-i', '-X', request.method, ...headers, '--data-binary', quote(request.body), quote(request.url)].join(' ');
}

// ---------------------------------------------------------------------------------------
// Shopify: bodies shaped like Shopify's published returns webhooks, signed as Shopify signs
// them (base64 HMAC-SHA256 of the raw body in X-Shopify-Hmac-Sha256, ids in headers).

/** The development shop; the local runtime maps it to the sample seller (SHOPIFY_SHOPS, the definition's devSettings). */
export { DEV_SHOPIFY_SELLER, DEV_SHOPIFY_SHOP };

export type ShopifySampleOptions = {
  /** @default 'returns/request' */
  topic?: ShopifyTopic;
  /** Shopify's numeric return id. @default a fresh one */
  returnId?: string;
  /** @default '5196695273621' */
  orderId?: string;
};

/** A Shopify returns webhook body for `topic`, for a return of one defective and one unwanted item. */
export function buildShopifySample(options: ShopifySampleOptions = {}): Record<string, unknown> {
  const topic = options.topic ?? 'returns/request';
  const returnId = options.returnId ?? String(Date.now() * 1000 + Math.floor(Math.random() * 1000));
  const orderId = options.orderId ?? '5196695273621';
  const returnGid = `gid://shopify/Return/${returnId}`;
  const lineItem = (id: number, quantity: number, reason: string, note: string) => ({
    id,
    admin_graphql_api_id: `gid://shopify/ReturnLineItem/${id}`,
    fulfillment_line_item: {
      id: id + 1_000,
      admin_graphql_api_id: `gid://shopify/FulfillmentLineItem/${id + 1_000}`,
      line_item: { id: id + 2_000, admin_graphql_api_id: `gid://shopify/LineItem/${id + 2_000}` },
    },
    quantity,
    return_reason: reason,
    return_reason_note: note,
    customer_note: null,
  });
  const object = (status: string) => ({
    id: Number(returnId),
    admin_graphql_api_id: returnGid,
    status,
    order: { id: Number(orderId), admin_graphql_api_id: `gid://shopify/Order/${orderId}` },
    total_return_line_items: 2,
    name: '#1001-R1',
    return_line_items: [lineItem(6200524949, 1, 'defective', 'The kettle leaks from the base.'), lineItem(6200524950, 1, 'unwanted', '')],
    return_shipping_fees: [],
    exchange_line_items: [],
    total_exchange_line_items: 0,
  });
  const statusChange = (status: string) => ({ id: Number(returnId), admin_graphql_api_id: returnGid, order_id: Number(orderId), status });
  switch (topic) {
    case 'returns/request':
      return object('requested');
    case 'returns/approve':
      return object('open');
    case 'returns/decline':
      return {
        id: Number(returnId),
        admin_graphql_api_id: returnGid,
        status: 'declined',
        decline: { reason: 'return_period_ended', note: null },
      };
    case 'returns/cancel':
      return statusChange('canceled');
    case 'returns/close':
      return statusChange('closed');
    case 'returns/reopen':
      return statusChange('open');
    case 'reverse_deliveries/attach_deliverable':
      return {
        id: 9080907,
        admin_graphql_api_id: 'gid://shopify/ReverseDelivery/9080907',
        return: { id: Number(returnId), admin_graphql_api_id: returnGid },
        shipping_deliverable: { tracking: { carrier_name: 'Canada Post', tracking_number: '7316 2300 9450 1234', tracking_url: null } },
      };
    case 'reverse_fulfillment_orders/dispose':
      // The reverse fulfilment order shares the return's number here, so the local Admin API
      // stand-in can tell which return it belongs to (`POST /_control/reverse-fulfillment-orders`).
      return {
        id: Number(returnId),
        admin_graphql_api_id: `gid://shopify/ReverseFulfillmentOrder/${returnId}`,
        order_id: Number(orderId),
        total_dispositions: 1,
        dispositions: [
          {
            reverse_fulfillment_order_line_item: {
              id: 6200524949,
              admin_graphql_api_id: 'gid://shopify/ReverseFulfillmentOrderLineItem/6200524949',
            },
            reverse_delivery_line_item: null,
            type: 'restocked',
            location: { id: 24826418, admin_graphql_api_id: 'gid://shopify/Location/24826418' },
            quantity: 1,
          },
        ],
      };
    case 'returns/update':
      return {
        admin_graphql_api_id: returnGid,
        return_line_items: { removals: [{ admin_graphql_api_id: 'gid://shopify/ReturnLineItem/6200524950', delta: 1 }] },
        restocking_fees: { updates: [], removals: [] },
        return_shipping_fees: { updates: [], removals: [] },
      };
  }
}

/**
 * The complete request Shopify would send: the body signed with the `shopify` development
 * secret, topic, shop and fresh webhook and event ids in headers (pass `eventId` again to
 * see a re-sent event answered as a duplicate).
 */
export function shopifySignedRequest(options: {
  baseUrl: string;
  body: string;
  topic: string;
  /** @default DEV_SHOPIFY_SHOP */
  shop?: string;
  /** @default the development secret of `shopify` */
  secret?: string;
  webhookId?: string;
  eventId?: string;
}): SignedRequest {
  const secret = options.secret ?? DEV_WEBHOOK_SECRETS[shopify.name];
  if (secret === undefined) throw new UnknownMarketplaceError(`No development secret for marketplace '${shopify.name}'`);
  return {
    method: 'POST',
    url: `${options.baseUrl.replace(/\/$/, '')}/webhooks/${shopify.name}`,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': options.topic,
      'x-shopify-hmac-sha256': shopifyHmac(secret, options.body),
      'x-shopify-shop-domain': options.shop ?? DEV_SHOPIFY_SHOP,
      'x-shopify-api-version': '2025-01',
      'x-shopify-webhook-id': options.webhookId ?? randomUUID(),
      'x-shopify-event-id': options.eventId ?? randomUUID(),
      'x-shopify-triggered-at': new Date().toISOString(),
    },
    body: options.body,
  };
}
