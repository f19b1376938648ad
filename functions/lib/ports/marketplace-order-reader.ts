/**
 * Reads a marketplace order (lines, prices, shipping, dates, fulfilment tracking) so a case
 * from a marketplace whose return webhooks carry no money starts with real facts (#16).
 * Money is in minor units of `currency`.
 */
export type OrderFulfilment = {
  readonly shippedAt: string;
  readonly deliveredAt: string | null;
  readonly carrier: string | null;
  readonly trackingNumber: string | null;
  readonly scans: readonly { readonly status: string; readonly at: string }[];
};

export type MarketplaceOrder = {
  readonly orderId: string;
  readonly currency: string;
  readonly orderedAt: string;
  readonly shippingCost: number;
  readonly lines: readonly {
    readonly lineId: string;
    readonly sku: string | null;
    readonly quantity: number;
    readonly unitPrice: number;
  }[];
  readonly fulfilments: readonly OrderFulfilment[];
};

/**
 * A reverse fulfilment order as the marketplace holds it now (Shopify, #15): the return it
 * belongs to, what has been done with each of its units so far (cumulative, so a replayed
 * or repeated disposal webhook reads the same facts), and the tracking of its reverse
 * deliveries. Disposition types are the marketplace's own words (Shopify: RESTOCKED,
 * NOT_RESTOCKED, PROCESSING_REQUIRED, MISSING).
 */
export type ReverseFulfilment = {
  /** The return it belongs to (the marketplace's id), or null when its order names none. */
  readonly returnId: string | null;
  readonly lines: readonly {
    readonly totalQuantity: number;
    readonly dispositions: readonly { readonly type: string; readonly quantity: number }[];
  }[];
  readonly parcels: readonly { readonly carrier: string | null; readonly trackingNumber: string | null }[];
};

export interface MarketplaceOrderReader {
  /** `null` when the marketplace has no such order; throws when it cannot be asked. */
  readOrder(shop: string, orderId: string): Promise<MarketplaceOrder | null>;
  /** `null` when the marketplace has no such reverse fulfilment order; throws when it cannot be asked. */
  readReverseFulfilment(shop: string, id: string): Promise<ReverseFulfilment | null>;
}
