import * as z from 'zod/mini';
import { IdentifierSchema, type PaymentProviderKind, paymentProviders } from '../contract/return-payload.ts';
import type { PaymentProvider, RefundReceipt, RefundRequest } from '../ports/payment-provider.ts';

/**
 * Which provider pays a refund (#16): configuration per marketplace, and per seller where a
 * seller takes payments otherwise, with a default. REFUND_ROUTES, e.g.
 * `{"default":"http","marketplaces":{"shopify":"shopify"},"sellers":{"seller-acme":"stripe"}}`.
 * A seller's route wins over its marketplace's, which wins over the default.
 */
export const RefundRoutesSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    default: z.enum(paymentProviders),
    marketplaces: z._default(z.record(IdentifierSchema, z.enum(paymentProviders)), {}),
    sellers: z._default(z.record(IdentifierSchema, z.enum(paymentProviders)), {}),
  }))();
export type RefundRoutes = z.infer<typeof RefundRoutesSchema>;

/** Every provider a route names: each must be configured, which the wiring checks at cold start. */
export function providersNamed(routes: RefundRoutes): Set<PaymentProviderKind> {
  return new Set([routes.default, ...Object.values(routes.marketplaces), ...Object.values(routes.sellers)]);
}

export function routeFor(routes: RefundRoutes, request: Pick<RefundRequest, 'marketplace' | 'sellerId'>): PaymentProviderKind {
  return routes.sellers[request.sellerId] ?? routes.marketplaces[request.marketplace] ?? routes.default;
}

export class RoutedPaymentProvider implements PaymentProvider {
  readonly #routes: RefundRoutes;
  readonly #providers: Readonly<Partial<Record<PaymentProviderKind, () => PaymentProvider>>>;

  /** `providers` are built on first use: a function only builds the clients its refunds need. */
  constructor(routes: RefundRoutes, providers: Readonly<Partial<Record<PaymentProviderKind, () => PaymentProvider>>>) {
    this.#routes = routes;
    this.#providers = providers;
    for (const kind of providersNamed(routes)) {
      if (providers[kind] === undefined) throw new Error(`REFUND_ROUTES names the ${kind} provider, which is not configured`);
    }
  }

  refund(request: RefundRequest): Promise<RefundReceipt> {
    const kind = routeFor(this.#routes, request);
    const build = this.#providers[kind];
    if (build === undefined) throw new Error(`No ${kind} provider configured`);
    return build().refund(request);
  }
}
