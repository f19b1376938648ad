import { createAdminApiClient } from '@shopify/admin-api-client';
import * as z from 'zod/mini';
import type { MarketplaceOrder, MarketplaceOrderReader } from '../ports/marketplace-order-reader.ts';
import { SHOPIFY_ADMIN_API_VERSION, type ShopifyAccessTokens } from './shopify-admin-payment-provider.ts';
import { minorUnitDigits } from '../contract/money.ts';

/**
 * Reads a Shopify order through the official `@shopify/admin-api-client` (GraphQL
 * `DisputeDeskOrder`): currency, shipping, dates, line prices and fulfilment tracking.
 * Not yet wired into receive-webhook (#16 item 4a is in progress).
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

/** Shopify's decimal string in minor units of the currency (JPY 0 digits, KWD 3). */
const minorIn = (currency: string) => {
  const digits = minorUnitDigits(currency);
  return (amount: string): number => Math.round(Number(amount) * 10 ** digits);
};

export class ShopifyOrderReadError extends Error {
  override readonly name = 'ShopifyOrderReadError';
}

export class ShopifyAdminOrderReader implements MarketplaceOrderReader {
  private readonly options: { accessToken: ShopifyAccessTokens; customFetchApi?: typeof fetch; timeoutMs?: number };
  constructor(options: { accessToken: ShopifyAccessTokens; customFetchApi?: typeof fetch; timeoutMs?: number }) {
    this.options = options;
  }

  async readOrder(shop: string, orderId: string): Promise<MarketplaceOrder | null> {
    const inner = this.options.customFetchApi ?? fetch;
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    const client = createAdminApiClient({
      storeDomain: shop,
      apiVersion: SHOPIFY_ADMIN_API_VERSION,
      accessToken: await this.options.accessToken(shop),
      customFetchApi: (input, init) => inner(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
    const gid = orderId.startsWith('gid://') ? orderId : `gid://shopify/Order/${orderId}`;
    const response = await client.request(ORDER_QUERY, { variables: { id: gid } });
    if (response.errors !== undefined) {
      throw new ShopifyOrderReadError(
        `Shopify order read failed${response.errors.networkStatusCode === undefined ? '' : ` (${response.errors.networkStatusCode})`}`,
      );
    }
    const parsed = z.safeParse(OrderSchema, response.data);
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
