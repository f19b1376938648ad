import * as z from 'zod/mini';
import type { ChannelAnswer, NotificationChannel } from '../ports/notifications.ts';
import type { Explanation } from '../workflow/notification-text.ts';
import type { Notification } from '../workflow/notifications.ts';
import { type ShopifyAccessTokens, shopifyAdminClient } from './shopify-admin-client.ts';

const RETURN_QUERY = `query DisputeDeskReturn($id: ID!) {
  return(id: $id) { id status }
}`;
const APPROVE_MUTATION = `mutation DisputeDeskReturnApprove($input: ReturnApproveRequestInput!) {
  returnApproveRequest(input: $input) { return { id status } userErrors { field message } }
}`;
const DECLINE_MUTATION = `mutation DisputeDeskReturnDecline($input: ReturnDeclineRequestInput!) {
  returnDeclineRequest(input: $input) { return { id status } userErrors { field message } }
}`;

const ReturnSchema = /* @__PURE__ */ z.object({ return: z.nullable(z.object({ id: z.string(), status: z.string() })) });
const MutationResult = /* @__PURE__ */ z.object({
  return: z.nullable(z.object({ id: z.string(), status: z.string() })),
  userErrors: z.array(z.object({ message: z.string() })),
});
const ApproveSchema = /* @__PURE__ */ z.object({ returnApproveRequest: MutationResult });
const DeclineSchema = /* @__PURE__ */ z.object({ returnDeclineRequest: MutationResult });

/** Shopify's decline note is at most 500 characters. */
const MAX_DECLINE_NOTE = 500;

/**
 * Carries a decision out in Shopify (#21) through the official Admin API client, instead of a
 * webhook: a decision that gives the buyer something approves the return request
 * (`returnApproveRequest`), a rejection declines it (`returnDeclineRequest`, reason OTHER, the
 * buyer-facing words as its note); Shopify then tells the buyer itself. Other notification types
 * are Shopify's own business (it notifies refunds it makes), so they are not applicable here.
 *
 * Idempotent: the return's status is read first; a request already approved (OPEN) or declined
 * as wanted is answered as done. A return already settled the other way cannot be changed
 * through the API: REFUSED (dead-lettered for an operator), not retried.
 */
export class ShopifyAdminReturnChannel implements NotificationChannel {
  readonly kind = 'shopify-admin';
  readonly #shopOf: (sellerId: string) => string | undefined;
  readonly #accessToken: ShopifyAccessTokens;
  readonly #customFetchApi: typeof fetch | undefined;
  readonly #timeoutMs: number;

  constructor(options: {
    shopOf: (sellerId: string) => string | undefined;
    accessToken: ShopifyAccessTokens;
    customFetchApi?: typeof fetch;
    timeoutMs?: number;
  }) {
    this.#shopOf = options.shopOf;
    this.#accessToken = options.accessToken;
    this.#customFetchApi = options.customFetchApi;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async deliver(n: Notification, explanation: Explanation): Promise<ChannelAnswer> {
    if (n.data.type !== 'case.decided') return { outcome: 'NOT_APPLICABLE' };
    const want = n.data.remedy === 'REJECT' ? 'DECLINED' : n.data.remedy === 'MANUAL_REVIEW' ? undefined : 'OPEN';
    if (want === undefined) return { outcome: 'NOT_APPLICABLE' };
    const shop = this.#shopOf(n.sellerId);
    if (shop === undefined) return { outcome: 'REFUSED', detail: `no Shopify shop is configured for seller ${n.sellerId}` };
    const id = `gid://shopify/Return/${n.marketplaceReturnId}`;
    try {
      const client = await shopifyAdminClient(
        shop,
        { accessToken: this.#accessToken, customFetchApi: this.#customFetchApi, timeoutMs: this.#timeoutMs },
        this.#timeoutMs,
      );
      const call = async <T>(query: string, variables: Record<string, unknown>, schema: z.ZodMiniType<T>): Promise<T | ChannelAnswer> => {
        const response = await client.request(query, { variables });
        if (response.errors !== undefined) {
          const status = response.errors.networkStatusCode;
          return { outcome: 'FAILED', ...(status === undefined ? {} : { status }), detail: 'Shopify answered with errors' };
        }
        const parsed = z.safeParse(schema, response.data);
        return parsed.success ? parsed.data : { outcome: 'FAILED', detail: 'Shopify answered an unexpected shape' };
      };
      const read = await call(RETURN_QUERY, { id }, ReturnSchema);
      if ('outcome' in read) return read;
      if (read.return === null) return { outcome: 'REFUSED', detail: `Shopify has no return ${id}` };
      if (read.return.status === want) return { outcome: 'DELIVERED', reference: `${id}:${want}:already` };
      if (read.return.status !== 'REQUESTED') {
        return {
          outcome: 'REFUSED',
          detail: `the return is ${read.return.status} in Shopify; it cannot be ${want === 'OPEN' ? 'approved' : 'declined'} now`,
        };
      }
      const done =
        want === 'OPEN'
          ? await call(APPROVE_MUTATION, { input: { id, notifyCustomer: true } }, ApproveSchema)
          : await call(
              DECLINE_MUTATION,
              { input: { id, declineReason: 'OTHER', declineNote: explanation.outcome.slice(0, MAX_DECLINE_NOTE), notifyCustomer: true } },
              DeclineSchema,
            );
      if ('outcome' in done) return done;
      const result = 'returnApproveRequest' in done ? done.returnApproveRequest : done.returnDeclineRequest;
      if (result.userErrors.length > 0 || result.return === null) {
        return { outcome: 'REFUSED', detail: `Shopify refused: ${result.userErrors.map((e) => e.message).join('; ')}` };
      }
      return { outcome: 'DELIVERED', reference: `${id}:${result.return.status}` };
    } catch (error) {
      return { outcome: 'FAILED', detail: `Shopify did not answer: ${(error as Error).name}` };
    }
  }
}
