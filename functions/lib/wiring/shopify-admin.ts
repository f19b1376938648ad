import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { CachedSecret } from '../adapters/cached-secret.ts';
import type { ShopifyAccessTokens } from '../adapters/shopify-admin-client.ts';
import { awsSettings, loadConfig } from '../config.ts';
import { PaymentProviderError } from '../contract/errors.ts';
import { jsonText } from '../contract/json-text.ts';
import { systemClock } from '../ports/clock.ts';
import type { MarketplaceOrderReader } from '../ports/marketplace-order-reader.ts';
import { traced } from '../tracing.ts';
import { once } from './once.ts';

/** How long a provider credential is trusted before it is read again (a rotation needs no redeploy). */
export const CREDENTIAL_TTL_MS = 5 * 60_000;

const TokenMapSchema = /* @__PURE__ */ (() =>
  z.pipe(jsonText('{"my-shop.myshopify.com":"shpat_…"}'), z.record(z.string(), z.string().check(z.minLength(1)))))();

/**
 * Shopify Admin API access: the token per shop from Secrets Manager (SHOPIFY_ADMIN_TOKENS_ARN,
 * `{"<shop>.myshopify.com":"shpat_…"}`) or, locally, SHOPIFY_ADMIN_TOKENS, read through a cache
 * with a TTL and never logged; SHOPIFY_ADMIN_URL sends the client to the local stand-in.
 * Undefined when neither is set (no Shopify Admin API in this deployment).
 */
export const shopifyAdmin: () => { accessToken: ShopifyAccessTokens; customFetchApi?: typeof fetch } | undefined = once(
  function buildShopifyAdmin() {
    const config = loadConfig(
      z
        .object({
          ...awsSettings,
          SHOPIFY_ADMIN_TOKENS_ARN: z.optional(z.string().check(z.minLength(1))),
          SHOPIFY_ADMIN_TOKENS: z.optional(TokenMapSchema),
          SHOPIFY_ADMIN_URL: z.optional(z.url()),
        })
        .check(
          z.refine((c) => c.SHOPIFY_ADMIN_TOKENS_ARN === undefined || c.SHOPIFY_ADMIN_TOKENS === undefined, {
            message: 'set at most one of SHOPIFY_ADMIN_TOKENS_ARN (AWS) or SHOPIFY_ADMIN_TOKENS (local)',
            path: ['SHOPIFY_ADMIN_TOKENS_ARN'],
          }),
        ),
    );
    const arn = config.SHOPIFY_ADMIN_TOKENS_ARN;
    if (arn === undefined && config.SHOPIFY_ADMIN_TOKENS === undefined) return undefined;
    const secrets = once(() => traced(new SecretsManagerClient({ region: config.AWS_REGION })));
    const tokens = new CachedSecret(
      async () => {
        if (arn === undefined) return JSON.stringify(config.SHOPIFY_ADMIN_TOKENS);
        return (await secrets().send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '{}';
      },
      { ttlMs: CREDENTIAL_TTL_MS, clock: systemClock },
    );
    const adminUrl = config.SHOPIFY_ADMIN_URL;
    return {
      accessToken: async (shopDomain: string) => {
        const token = (JSON.parse(await tokens.get()) as Record<string, unknown>)[shopDomain];
        if (typeof token !== 'string') {
          throw new PaymentProviderError(`No Shopify Admin API token for ${shopDomain}`, false, { providerCode: 'NO_TOKEN' });
        }
        return token;
      },
      ...(adminUrl === undefined ? {} : { customFetchApi: shopifyAt(adminUrl) }),
    };
  },
);

/**
 * The order reader new Shopify cases are completed with, and disposals are located with, when
 * the Admin API is configured.
 */
export const marketplaceOrders: () => MarketplaceOrderReader | undefined = once(function buildMarketplaceOrders() {
  const admin = shopifyAdmin();
  if (admin === undefined) return undefined;
  // The Admin API client is loaded on the first new Shopify case, not at every cold start.
  const reader = once(async () => new (await import('../adapters/shopify-admin-order-reader.ts')).ShopifyAdminOrderReader(admin));
  return {
    readOrder: async (shop, orderId) => (await reader()).readOrder(shop, orderId),
    readReverseFulfilment: async (shop, id) => (await reader()).readReverseFulfilment(shop, id),
  };
});

/**
 * Sends the Admin API client's `https://<shop>/admin/api/…` requests to the local stand-in
 * (local/shopify-admin-standin.ts), naming the shop in a header as it expects. Local only.
 */
function shopifyAt(baseUrl: string): typeof fetch {
  return (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init?.headers);
    headers.set('x-standin-shop', url.host);
    return fetch(new URL(`${url.pathname}${url.search}`, baseUrl), { ...init, headers });
  };
}
