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

export interface MarketplaceOrderReader {
  /** `null` when the marketplace has no such order; throws when it cannot be asked. */
  readOrder(shop: string, orderId: string): Promise<MarketplaceOrder | null>;
}
