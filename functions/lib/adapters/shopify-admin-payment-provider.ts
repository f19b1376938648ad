import * as z from 'zod/mini';
import { minorUnitDigits } from '../contract/money.ts';
import { caseIdOfRefund } from '../contract/refund-message.ts';
import { PaymentProviderError } from '../contract/errors.ts';
import type { PaymentProvider, RefundReceipt, RefundRequest } from '../ports/payment-provider.ts';
import type { ProviderRefund, ProviderRefundLedger } from '../ports/refund-records.ts';
import { type ShopifyAdminAccess, type ShopifyAdminClient, shopifyAdminClient } from './shopify-admin-client.ts';

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

/** What a refund's note starts with: the rest is our refund id (the idempotency key). */
const NOTE_PREFIX = 'dispute-desk:';

export type ShopifyOrderLocator = (request: RefundRequest) => Promise<{ shopDomain: string; orderId: string }>;

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

/** Each Admin API call gives up after this long unless the options say otherwise. */
const DEFAULT_TIMEOUT_MS = 10_000;

export type ShopifyPaymentProviderOptions = ShopifyAdminAccess & { readonly locate: ShopifyOrderLocator };

/** Minor units to Shopify's decimal string, in the currency's own digits (JPY 0, KWD 3). */
const decimal = (minor: number, currency: string): string => {
  const digits = minorUnitDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
};

/** One GraphQL call, its errors as PaymentProviderError: retryable unless Shopify refused it. */
async function call<T>(
  client: ShopifyAdminClient,
  query: string,
  variables: Record<string, unknown>,
  schema: z.ZodMiniType<T>,
): Promise<T> {
  let response: Awaited<ReturnType<ShopifyAdminClient['request']>>;
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

export class ShopifyPaymentProvider implements PaymentProvider {
  private readonly options: ShopifyPaymentProviderOptions;
  constructor(options: ShopifyPaymentProviderOptions) {
    this.options = options;
  }

  async refund(request: RefundRequest): Promise<RefundReceipt> {
    const { shopDomain, orderId } = await this.options.locate(request);
    const client = await shopifyAdminClient(shopDomain, this.options, DEFAULT_TIMEOUT_MS);
    const note = `${NOTE_PREFIX}${request.idempotencyKey}`;
    const existing = await call(client, REFUNDS_QUERY, { id: orderId }, RefundsSchema);
    if (existing.order === null) throw new PaymentProviderError('Shopify order not found', false);
    const prior = existing.order.refunds.find((r) => r.note === note);
    if (prior !== undefined) return { providerReference: prior.id, replayed: true };
    const sale = existing.order.transactions.find((t) => (t.kind === 'SALE' || t.kind === 'CAPTURE') && t.status === 'SUCCESS');
    if (sale === undefined) throw new PaymentProviderError('Shopify order has no captured payment to refund', false);
    const created = await call(
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
  readonly #access: ShopifyAdminAccess;

  constructor(options: { shops: readonly string[] } & ShopifyAdminAccess) {
    this.#shops = options.shops;
    this.#access = options;
  }

  async listRefunds(from: string, to: string): Promise<ProviderRefund[]> {
    const found: ProviderRefund[] = [];
    const [start, end] = [Date.parse(from), Date.parse(to)];
    for (const shop of this.#shops) {
      const client = await shopifyAdminClient(shop, this.#access, DEFAULT_TIMEOUT_MS);
      let after: string | null = null;
      for (let page = 0; ; page++) {
        if (page >= MAX_PAGES)
          throw new PaymentProviderError(`Shopify ${shop}: more than ${MAX_PAGES * 50} orders updated since ${from}`, true);
        const data: z.infer<typeof RefundsSinceSchema> = await call(
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
