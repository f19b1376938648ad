import { createAdminApiClient } from '@shopify/admin-api-client';

/**
 * The official `@shopify/admin-api-client` for one shop, as every Shopify adapter here builds it
 * (refunds, their reconciliation, order and reverse fulfilment reads, return decisions).
 */

export const SHOPIFY_ADMIN_API_VERSION = '2026-10';

/** A shop's Admin API access token (Secrets Manager through a cache; locally a dev value). */
export type ShopifyAccessTokens = (shopDomain: string) => Promise<string>;

export type ShopifyAdminAccess = {
  readonly accessToken: ShopifyAccessTokens;
  /** Local/tests: send the client's requests to the stand-in (local/shopify-admin-standin.ts). */
  readonly customFetchApi?: typeof fetch | undefined;
  readonly apiVersion?: string | undefined;
  /** Each call gives up after this long (the client itself has no timeout). */
  readonly timeoutMs?: number | undefined;
};

export type ShopifyAdminClient = ReturnType<typeof createAdminApiClient>;

/** The client for `shop`; a call gives up after `access.timeoutMs`, else `defaultTimeoutMs`. */
export async function shopifyAdminClient(shop: string, access: ShopifyAdminAccess, defaultTimeoutMs: number): Promise<ShopifyAdminClient> {
  const inner = access.customFetchApi ?? fetch;
  const timeoutMs = access.timeoutMs ?? defaultTimeoutMs;
  return createAdminApiClient({
    storeDomain: shop,
    apiVersion: access.apiVersion ?? SHOPIFY_ADMIN_API_VERSION,
    accessToken: await access.accessToken(shop),
    customFetchApi: (input, init) => inner(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  });
}
