import { createAdminApiClient } from '@shopify/admin-api-client';
import * as z from 'zod/mini';
import { minorUnitDigits } from '../contract/money.ts';
import { PaymentProviderError } from '../contract/errors.ts';
import type { PaymentProvider, RefundReceipt, RefundRequest } from '../ports/payment-provider.ts';

/**
 * Refunds a Shopify return in Shopify, through the official `@shopify/admin-api-client`
 * (GraphQL `refundCreate`), so the buyer is refunded to the original payment.
 *
 * Idempotency: Shopify's `refundCreate` has no idempotency key, so the refund's note carries
 * `dispute-desk:<idempotencyKey>`. Before creating, the provider reads the order's refunds and,
 * when one carries that note, answers it as a replay. A lost answer (refunded, then the
 * response never arrived) is therefore settled on the retry by the read, not by paying again.
 * Shopify's business refusals (`userErrors`, e.g. amount over the refundable total) are
 * permanent (`retryable: false`); transport errors and 5xx are retryable.
 *
 * Not yet wired: the refund router (branch money-rails) picks this provider per marketplace.
 */

export const SHOPIFY_ADMIN_API_VERSION = '2026-10';

export type ShopifyOrderLocator = (request: RefundRequest) => Promise<{ shopDomain: string; orderId: string }>;
export type ShopifyAccessTokens = (shopDomain: string) => Promise<string>;

const MoneySchema = /* @__PURE__ */ z.object({ shopMoney: z.object({ amount: z.string(), currencyCode: z.string() }) });
const RefundsSchema = /* @__PURE__ */ z.object({
  order: z.nullable(
    z.object({
      id: z.string(),
      transactions: z.array(z.object({ id: z.string(), kind: z.string(), status: z.string(), gateway: z.string() })),
      refunds: z.array(z.object({ id: z.string(), note: z.nullable(z.string()), totalRefundedSet: MoneySchema })),
    }),
  ),
});
const RefundCreateSchema = /* @__PURE__ */ z.object({
  refundCreate: z.object({
    refund: z.nullable(z.object({ id: z.string() })),
    userErrors: z.array(z.object({ message: z.string() })),
  }),
});

const REFUNDS_QUERY = `query DisputeDeskOrderRefunds($id: ID!) {
  order(id: $id) {
    id
    transactions { id kind status gateway }
    refunds { id note totalRefundedSet { shopMoney { amount currencyCode } } }
  }
}`;

const REFUND_MUTATION = `mutation DisputeDeskRefund($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id note createdAt totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}`;

export type ShopifyPaymentProviderOptions = {
  readonly locate: ShopifyOrderLocator;
  readonly accessToken: ShopifyAccessTokens;
  /** Local/tests: send the client's requests to the stand-in (local/shopify-admin-standin.ts). */
  readonly customFetchApi?: typeof fetch;
  readonly apiVersion?: string;
  /** Each call gives up after this long (the client itself has no timeout); default 10 s. */
  readonly timeoutMs?: number;
};

/** Minor units to Shopify's decimal string, in the currency's own digits (JPY 0, KWD 3). */
const decimal = (minor: number, currency: string): string => {
  const digits = minorUnitDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
};

export class ShopifyPaymentProvider implements PaymentProvider {
  private readonly options: ShopifyPaymentProviderOptions;
  constructor(options: ShopifyPaymentProviderOptions) {
    this.options = options;
  }

  private fetchWithTimeout(): typeof fetch {
    const inner = this.options.customFetchApi ?? fetch;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return (input, init) => inner(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  }

  private async client(shopDomain: string) {
    return createAdminApiClient({
      storeDomain: shopDomain,
      apiVersion: this.options.apiVersion ?? SHOPIFY_ADMIN_API_VERSION,
      accessToken: await this.options.accessToken(shopDomain),
      customFetchApi: this.fetchWithTimeout(),
    });
  }

  private static async call<T>(
    client: ReturnType<typeof createAdminApiClient>,
    query: string,
    variables: Record<string, unknown>,
    schema: z.ZodMiniType<T>,
  ): Promise<T> {
    let response: Awaited<ReturnType<typeof client.request>>;
    try {
      response = await client.request(query, { variables });
    } catch (error) {
      throw new PaymentProviderError(`Shopify did not answer: ${(error as Error).name}`, true, { cause: error });
    }
    if (response.errors !== undefined) {
      const status = response.errors.networkStatusCode;
      // 401/403/4xx GraphQL errors are configuration problems; retrying will not fix them.
      const retryable = status === undefined || status >= 500 || status === 429;
      throw new PaymentProviderError(`Shopify answered with errors${status === undefined ? '' : ` (${status})`}`, retryable);
    }
    const parsed = z.safeParse(schema, response.data);
    if (!parsed.success) throw new PaymentProviderError('Shopify answered an unexpected shape', true);
    return parsed.data;
  }

  async refund(request: RefundRequest): Promise<RefundReceipt> {
    const { shopDomain, orderId } = await this.options.locate(request);
    const client = await this.client(shopDomain);
    const note = `dispute-desk:${request.idempotencyKey}`;
    const existing = await ShopifyPaymentProvider.call(client, REFUNDS_QUERY, { id: orderId }, RefundsSchema);
    if (existing.order === null) throw new PaymentProviderError('Shopify order not found', false);
    const prior = existing.order.refunds.find((r) => r.note === note);
    if (prior !== undefined) return { providerReference: prior.id, replayed: true };
    const sale = existing.order.transactions.find((t) => (t.kind === 'SALE' || t.kind === 'CAPTURE') && t.status === 'SUCCESS');
    if (sale === undefined) throw new PaymentProviderError('Shopify order has no captured payment to refund', false);
    const created = await ShopifyPaymentProvider.call(
      client,
      REFUND_MUTATION,
      {
        input: {
          orderId,
          note,
          notify: true,
          transactions: [
            { orderId, parentId: sale.id, kind: 'REFUND', gateway: sale.gateway, amount: decimal(request.amount, request.currency) },
          ],
        },
      },
      RefundCreateSchema,
    );
    const { refund, userErrors } = created.refundCreate;
    if (userErrors.length > 0 || refund === null) {
      throw new PaymentProviderError(`Shopify refused the refund: ${userErrors.map((e) => e.message).join('; ')}`, false);
    }
    return { providerReference: refund.id, replayed: false };
  }
}
