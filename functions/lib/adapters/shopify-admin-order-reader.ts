import * as z from 'zod/mini';
import type { MarketplaceOrder, MarketplaceOrderReader, ReverseFulfilment } from '../ports/marketplace-order-reader.ts';
import { type ShopifyAdminAccess, shopifyAdminClient } from './shopify-admin-client.ts';
import { minorUnitDigits } from '../contract/money.ts';

/**
 * Reads a Shopify order through the official `@shopify/admin-api-client` (GraphQL
 * `DisputeDeskOrder`): currency, shipping, dates, line prices and fulfilment tracking; and a
 * reverse fulfilment order (`DisputeDeskReverseFulfillmentOrder`, #15): the return it belongs
 * to, its units' dispositions so far and its reverse deliveries' tracking.
 */

const MoneySchema = /* @__PURE__ */ z.object({ shopMoney: z.object({ amount: z.string(), currencyCode: z.string() }) });
const OrderSchema = /* @__PURE__ */ z.object({
  order: z.nullable(
    z.object({
      id: z.string(),
      currencyCode: z.string(),
      processedAt: z.string(),
      totalShippingPriceSet: MoneySchema,
      lineItems: z.object({
        nodes: z.array(z.object({ id: z.string(), sku: z.nullable(z.string()), quantity: z.number(), originalUnitPriceSet: MoneySchema })),
      }),
      fulfillments: z.array(
        z.object({
          createdAt: z.string(),
          deliveredAt: z.nullable(z.string()),
          trackingInfo: z.array(z.object({ company: z.nullable(z.string()), number: z.nullable(z.string()) })),
          events: z.object({ nodes: z.array(z.object({ status: z.string(), happenedAt: z.string() })) }),
        }),
      ),
    }),
  ),
});

const ORDER_QUERY = `query DisputeDeskOrder($id: ID!) {
  order(id: $id) {
    id name currencyCode createdAt processedAt
    totalShippingPriceSet { shopMoney { amount currencyCode } }
    lineItems(first: 250) { nodes { id sku title quantity originalUnitPriceSet { shopMoney { amount currencyCode } } } }
    fulfillments { id createdAt deliveredAt trackingInfo { company number url } events(first: 50) { nodes { status happenedAt } } }
  }
}`;

/**
 * A reverse fulfilment order names its order but not its return: the return is the one of the
 * order's returns that lists it. Bounds: 50 returns per order, 25 reverse fulfilment orders
 * per return, 250 line items (the most a Shopify return carries), 10 reverse deliveries.
 */
const REVERSE_FULFILLMENT_ORDER_QUERY = `query DisputeDeskReverseFulfillmentOrder($id: ID!) {
  reverseFulfillmentOrder(id: $id) {
    id
    order { id returns(first: 50) { nodes { id reverseFulfillmentOrders(first: 25) { nodes { id } } } } }
    lineItems(first: 250) { nodes { id totalQuantity dispositions { type quantity } } }
    reverseDeliveries(first: 10) {
      nodes { deliverable { ... on ReverseDeliveryShippingDeliverable { tracking { carrierName number } } } }
    }
  }
}`;

const ReverseFulfillmentOrderSchema = /* @__PURE__ */ z.object({
  reverseFulfillmentOrder: z.nullable(
    z.object({
      id: z.string(),
      order: z.nullish(
        z.object({
          returns: z.object({
            nodes: z.array(
              z.object({ id: z.string(), reverseFulfillmentOrders: z.object({ nodes: z.array(z.object({ id: z.string() })) }) }),
            ),
          }),
        }),
      ),
      lineItems: z.object({
        nodes: z.array(
          z.object({ totalQuantity: z.number(), dispositions: z.array(z.object({ type: z.string(), quantity: z.number() })) }),
        ),
      }),
      reverseDeliveries: z.object({
        nodes: z.array(
          z.object({
            deliverable: z.nullish(
              z.object({ tracking: z.nullish(z.object({ carrierName: z.nullish(z.string()), number: z.nullish(z.string()) })) }),
            ),
          }),
        ),
      }),
    }),
  ),
});

/** Shopify's decimal string in minor units of the currency (JPY 0 digits, KWD 3). */
const minorIn = (currency: string) => {
  const digits = minorUnitDigits(currency);
  return (amount: string): number => Math.round(Number(amount) * 10 ** digits);
};

export class ShopifyOrderReadError extends Error {
  override readonly name = 'ShopifyOrderReadError';
}

export class ShopifyAdminOrderReader implements MarketplaceOrderReader {
  private readonly options: ShopifyAdminAccess;
  constructor(options: ShopifyAdminAccess) {
    this.options = options;
  }

  private async query(shop: string, what: string, query: string, id: string): Promise<unknown> {
    const client = await shopifyAdminClient(shop, this.options, 5_000);
    const response = await client.request(query, { variables: { id } });
    if (response.errors !== undefined) {
      throw new ShopifyOrderReadError(
        `Shopify ${what} read failed${response.errors.networkStatusCode === undefined ? '' : ` (${response.errors.networkStatusCode})`}`,
      );
    }
    return response.data;
  }

  async readReverseFulfilment(shop: string, id: string): Promise<ReverseFulfilment | null> {
    const parsed = z.safeParse(
      ReverseFulfillmentOrderSchema,
      await this.query(shop, 'reverse fulfillment order', REVERSE_FULFILLMENT_ORDER_QUERY, id),
    );
    if (!parsed.success) throw new ShopifyOrderReadError('Shopify reverse fulfillment order read answered an unexpected shape');
    const rfo = parsed.data.reverseFulfillmentOrder;
    if (rfo === null) return null;
    const owner = rfo.order?.returns.nodes.find((r) => r.reverseFulfillmentOrders.nodes.some((n) => n.id === rfo.id));
    return {
      returnId: owner?.id ?? null,
      lines: rfo.lineItems.nodes.map((l) => ({ totalQuantity: l.totalQuantity, dispositions: l.dispositions })),
      parcels: rfo.reverseDeliveries.nodes.flatMap((d) => {
        const tracking = d.deliverable?.tracking;
        return tracking == null ? [] : [{ carrier: tracking.carrierName ?? null, trackingNumber: tracking.number ?? null }];
      }),
    };
  }

  async readOrder(shop: string, orderId: string): Promise<MarketplaceOrder | null> {
    const gid = orderId.startsWith('gid://') ? orderId : `gid://shopify/Order/${orderId}`;
    const parsed = z.safeParse(OrderSchema, await this.query(shop, 'order', ORDER_QUERY, gid));
    if (!parsed.success) throw new ShopifyOrderReadError('Shopify order read answered an unexpected shape');
    const order = parsed.data.order;
    if (order === null) return null;
    const minor = minorIn(order.currencyCode);
    return {
      orderId: order.id,
      currency: order.currencyCode,
      orderedAt: order.processedAt,
      shippingCost: minor(order.totalShippingPriceSet.shopMoney.amount),
      lines: order.lineItems.nodes.map((l) => ({
        lineId: l.id,
        sku: l.sku,
        quantity: l.quantity,
        unitPrice: minor(l.originalUnitPriceSet.shopMoney.amount),
      })),
      fulfilments: order.fulfillments.map((f) => ({
        shippedAt: f.createdAt,
        deliveredAt: f.deliveredAt,
        carrier: f.trackingInfo[0]?.company ?? null,
        trackingNumber: f.trackingInfo[0]?.number ?? null,
        scans: f.events.nodes.map((e) => ({ status: e.status, at: e.happenedAt })),
      })),
    };
  }
}
