import { createAdminApiClient } from '@shopify/admin-api-client';
import * as z from 'zod/mini';
import { minorUnitDigits } from '../contract/money.ts';
import { caseIdOfRefund } from '../contract/refund-message.ts';
import { PaymentProviderError } from '../contract/errors.ts';
import type { PaymentProvider, RefundReceipt, RefundRequest } from '../ports/payment-provider.ts';
import type { ProviderRefund, ProviderRefundLedger } from '../ports/refund-records.ts';

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
 */

export const SHOPIFY_ADMIN_API_VERSION = '2026-10';

/** What a refund's note starts with: the rest is our refund id (the idempotency key). */
const NOTE_PREFIX = 'dispute-desk:';

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

  /** The Admin API client for a shop (the refund ledger reads through it too). */
  clientFor(shopDomain: string) {
    return this.client(shopDomain);
  }

  /** One GraphQL call, its errors as PaymentProviderError (the refund ledger reads through it too). */
  static callFor<T>(
    client: ReturnType<typeof createAdminApiClient>,
    query: string,
    variables: Record<string, unknown>,
    schema: z.ZodMiniType<T>,
  ): Promise<T> {
    return ShopifyPaymentProvider.call(client, query, variables, schema);
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
    const note = `${NOTE_PREFIX}${request.idempotencyKey}`;
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

const REFUNDS_SINCE_QUERY = `query DisputeDeskRefundsSince($query: String!, $after: String) {
  orders(first: 50, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id refunds { id note createdAt totalRefundedSet { shopMoney { amount currencyCode } } } }
  }
}`;

const RefundsSinceSchema = /* @__PURE__ */ z.object({
  orders: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.nullable(z.string()) }),
    nodes: z.array(
      z.object({
        id: z.string(),
        refunds: z.array(z.object({ id: z.string(), note: z.nullable(z.string()), createdAt: z.string(), totalRefundedSet: MoneySchema })),
      }),
    ),
  }),
});

/** At most this many pages of 50 orders per shop and run: a run that needs more says so. */
const MAX_PAGES = 200;

/**
 * Shopify's own record of refunds, for reconciliation (#16): every refund made in [from, to)
 * on the orders of the configured shops, found through the orders updated since `from` (a
 * refund updates its order). Our refund id is read from the note the provider writes
 * (`dispute-desk:<refund id>`); amounts come back in minor units of the currency's own digits.
 */
export class ShopifyRefundLedger implements ProviderRefundLedger {
  readonly provider = 'shopify' as const;
  readonly #shops: readonly string[];
  readonly #provider: ShopifyPaymentProvider;

  constructor(options: { shops: readonly string[] } & Omit<ShopifyPaymentProviderOptions, 'locate'>) {
    this.#shops = options.shops;
    this.#provider = new ShopifyPaymentProvider({
      ...options,
      locate: async () => {
        throw new PaymentProviderError('the refund ledger pays nothing', false);
      },
    });
  }

  async listRefunds(from: string, to: string): Promise<ProviderRefund[]> {
    const found: ProviderRefund[] = [];
    const [start, end] = [Date.parse(from), Date.parse(to)];
    for (const shop of this.#shops) {
      const client = await this.#provider.clientFor(shop);
      let after: string | null = null;
      for (let page = 0; ; page++) {
        if (page >= MAX_PAGES)
          throw new PaymentProviderError(`Shopify ${shop}: more than ${MAX_PAGES * 50} orders updated since ${from}`, true);
        const data: z.infer<typeof RefundsSinceSchema> = await ShopifyPaymentProvider.callFor(
          client,
          REFUNDS_SINCE_QUERY,
          { query: `updated_at:>='${from}'`, after },
          RefundsSinceSchema,
        );
        for (const order of data.orders.nodes) {
          for (const refund of order.refunds) {
            const at = Date.parse(refund.createdAt);
            if (!(at >= start && at < end)) continue;
            const { amount, currencyCode } = refund.totalRefundedSet.shopMoney;
            const refundId = refund.note?.startsWith(NOTE_PREFIX) ? refund.note.slice(NOTE_PREFIX.length) : undefined;
            const caseId = refundId === undefined ? undefined : caseIdOfRefund(refundId);
            found.push({
              reference: refund.id,
              ...(refundId === undefined ? {} : { refundId }),
              ...(caseId === undefined ? {} : { caseId }),
              amount: Math.round(Number(amount) * 10 ** minorUnitDigits(currencyCode)),
              currency: currencyCode,
              at: new Date(at).toISOString(),
            });
          }
        }
        if (!data.orders.pageInfo.hasNextPage || data.orders.pageInfo.endCursor === null) break;
        after = data.orders.pageInfo.endCursor;
      }
    }
    return found;
  }
}
