import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { CachedSecret } from '../adapters/cached-secret.ts';
import { HttpPaymentProvider } from '../adapters/http-payment-provider.ts';
import { providersNamed, RefundRoutesSchema, RoutedPaymentProvider } from '../adapters/routed-payment-provider.ts';
import type { StripePaymentProvider } from '../adapters/stripe-payment-provider.ts';
import { awsSettings, loadConfig } from '../config.ts';
import { PaymentProviderError } from '../contract/errors.ts';
import { jsonText } from '../contract/json-text.ts';
import { ShopifyShopsSchema } from '../marketplaces/shopify/settings.ts';
import { systemClock } from '../ports/clock.ts';
import type { PaymentProvider } from '../ports/payment-provider.ts';
import { traced } from '../tracing.ts';
import { once } from './once.ts';
import { CREDENTIAL_TTL_MS, shopifyAdmin } from './shopify-admin.ts';

const RoutesSettingSchema = /* @__PURE__ */ (() => z.pipe(jsonText('{"default":"http"}'), RefundRoutesSchema))();

/**
 * The refund router (#16), validated at cold start: REFUND_ROUTES says which provider pays for
 * which marketplace or seller (default: the generic HTTP provider for everyone), and every
 * provider it names must have its settings, or the cold start fails naming the missing one.
 *
 * - http: PAYMENT_PROVIDER_URL (and PAYMENT_PROVIDER_TIMEOUT_MS).
 * - stripe: the secret key from Secrets Manager (STRIPE_SECRET_ARN, `{"apiKey":"sk_…"}`) or,
 *   locally, STRIPE_API_KEY; STRIPE_API_URL points the SDK elsewhere (the local stand-in).
 * - shopify: SHOPIFY_SHOPS (shop → seller; a refund goes to the one shop of its seller) and the
 *   Admin API tokens per shop from Secrets Manager (SHOPIFY_ADMIN_TOKENS_ARN) or, locally,
 *   SHOPIFY_ADMIN_TOKENS; SHOPIFY_ADMIN_URL points the client at the local stand-in.
 *
 * Credentials are read through a cache with a TTL (CREDENTIAL_TTL_MS) and never logged.
 */
export const paymentProvider: () => PaymentProvider = once(function buildPaymentProvider() {
  const config = loadConfig(
    z
      .object({
        ...awsSettings,
        REFUND_ROUTES: z._default(RoutesSettingSchema, { default: 'http', marketplaces: {}, sellers: {} }),
        PAYMENT_PROVIDER_URL: z.optional(z.url()),
        PAYMENT_PROVIDER_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(100), z.lte(60_000)), 5000),
        STRIPE_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
        STRIPE_API_KEY: z.optional(z.string().check(z.regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret key'))),
        STRIPE_API_URL: z.optional(z.url()),
        SHOPIFY_SHOPS: z.optional(ShopifyShopsSchema),
        SHOPIFY_ADMIN_TOKENS_ARN: z.optional(z.string().check(z.minLength(1))),
        SHOPIFY_ADMIN_TOKENS: z.optional(z.string()),
      })
      .check(
        z.refine((c) => !providersNamed(c.REFUND_ROUTES).has('http') || c.PAYMENT_PROVIDER_URL !== undefined, {
          message: 'REFUND_ROUTES names the http provider: set PAYMENT_PROVIDER_URL',
          path: ['PAYMENT_PROVIDER_URL'],
        }),
        z.refine(
          (c) => !providersNamed(c.REFUND_ROUTES).has('stripe') || (c.STRIPE_SECRET_ARN === undefined) !== (c.STRIPE_API_KEY === undefined),
          {
            message: 'REFUND_ROUTES names the stripe provider: set exactly one of STRIPE_SECRET_ARN (AWS) or STRIPE_API_KEY (local)',
            path: ['STRIPE_SECRET_ARN'],
          },
        ),
        z.refine(
          (c) =>
            !providersNamed(c.REFUND_ROUTES).has('shopify') ||
            (c.SHOPIFY_SHOPS !== undefined && (c.SHOPIFY_ADMIN_TOKENS_ARN === undefined) !== (c.SHOPIFY_ADMIN_TOKENS === undefined)),
          {
            message:
              'REFUND_ROUTES names the shopify provider: set SHOPIFY_SHOPS and exactly one of SHOPIFY_ADMIN_TOKENS_ARN (AWS) or SHOPIFY_ADMIN_TOKENS (local)',
            path: ['SHOPIFY_ADMIN_TOKENS_ARN'],
          },
        ),
      ),
  );
  const providers: Partial<Record<'http' | 'stripe' | 'shopify', () => PaymentProvider>> = {};
  if (config.PAYMENT_PROVIDER_URL !== undefined) {
    const baseUrl = config.PAYMENT_PROVIDER_URL;
    providers.http = once(() => new HttpPaymentProvider({ baseUrl, timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS }));
  }
  const stripe = stripeProvider();
  if (stripe !== undefined) providers.stripe = () => lazyProvider(stripe);
  const admin = shopifyAdmin();
  if (config.SHOPIFY_SHOPS !== undefined && admin !== undefined) {
    const shops = config.SHOPIFY_SHOPS;
    // The Admin API client is loaded on the first Shopify refund, not at every cold start.
    const load = once(async () => {
      const { ShopifyPaymentProvider } = await import('../adapters/shopify-admin-payment-provider.ts');
      return new ShopifyPaymentProvider({
        locate: async (request) => {
          const mine = Object.entries(shops).filter(([, seller]) => seller === request.sellerId);
          const [shop] = mine;
          if (shop === undefined || mine.length > 1 || request.orderId === undefined) {
            throw new PaymentProviderError(
              `Seller ${request.sellerId} has ${mine.length === 0 ? 'no' : 'more than one'} Shopify shop in SHOPIFY_SHOPS (or the case has no order): refund it in Shopify by hand`,
              false,
              { providerCode: 'SHOP_UNKNOWN' },
            );
          }
          return { shopDomain: shop[0], orderId: `gid://shopify/Order/${request.orderId}` };
        },
        accessToken: admin.accessToken,
        timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS,
        ...(admin.customFetchApi === undefined ? {} : { customFetchApi: admin.customFetchApi }),
      });
    });
    providers.shopify = () => lazyProvider(load);
  }
  return new RoutedPaymentProvider(config.REFUND_ROUTES, providers);
});

/**
 * Stripe, when its key is configured (STRIPE_SECRET_ARN in AWS, `{"apiKey":"sk_…"}`, read
 * through a cache with CREDENTIAL_TTL_MS; STRIPE_API_KEY locally; STRIPE_API_URL for the local
 * stand-in): one client per process, for refunds and for reconciliation alike.
 */
export const stripeProvider: () => (() => Promise<StripePaymentProvider>) | undefined = once(function buildStripeProvider() {
  const config = loadConfig(
    z.object({
      ...awsSettings,
      STRIPE_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
      STRIPE_API_KEY: z.optional(z.string().check(z.regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret key'))),
      STRIPE_API_URL: z.optional(z.url()),
      PAYMENT_PROVIDER_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(100), z.lte(60_000)), 5000),
    }),
  );
  const arn = config.STRIPE_SECRET_ARN;
  if (arn === undefined && config.STRIPE_API_KEY === undefined) return undefined;
  const secrets = once(() => traced(new SecretsManagerClient({ region: config.AWS_REGION })));
  const key = new CachedSecret(
    async () => {
      if (arn === undefined) return config.STRIPE_API_KEY as string;
      const out = await secrets().send(new GetSecretValueCommand({ SecretId: arn }));
      const apiKey = (JSON.parse(out.SecretString ?? '{}') as Record<string, unknown>).apiKey;
      if (typeof apiKey !== 'string') throw new PaymentProviderError('The Stripe secret has no apiKey', true);
      return apiKey;
    },
    { ttlMs: CREDENTIAL_TTL_MS, clock: systemClock },
  );
  const endpoint = config.STRIPE_API_URL === undefined ? undefined : new URL(config.STRIPE_API_URL);
  // The SDK is loaded on first use (a function whose refunds all go elsewhere never loads it).
  return once(async () => {
    const { StripePaymentProvider } = await import('../adapters/stripe-payment-provider.ts');
    return new StripePaymentProvider({
      apiKey: (options) => key.get(options),
      timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS,
      ...(endpoint === undefined
        ? {}
        : { host: endpoint.hostname, port: Number(endpoint.port || 443), protocol: endpoint.protocol === 'http:' ? 'http' : 'https' }),
    });
  });
});

/** A provider whose client is built (and its SDK loaded) on its first refund. */
function lazyProvider(load: () => Promise<PaymentProvider>): PaymentProvider {
  return { refund: async (request) => (await load()).refund(request) };
}
