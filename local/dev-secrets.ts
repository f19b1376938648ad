import type { MarketplaceDefinition } from '#lib/marketplaces/definition.ts';
import { marketplaceDefinitions } from '#lib/marketplaces/index.ts';

/**
 * Development-only webhook secrets for the local runtime and tests: `demo-market` (the
 * canonical format) and each registered marketplace's own (its definition's
 * `devWebhookSecret`). Documented in the README so anyone can sign a request by hand. Never
 * used by the CDK stacks, which read secrets from Secrets Manager.
 */
export function devWebhookSecretsOf(definitions: readonly MarketplaceDefinition[]): Readonly<Record<string, string>> {
  return {
    'demo-market': 'dev-only-demo-market-secret-change-me-0001',
    ...Object.fromEntries(definitions.map((d) => [d.name, d.devWebhookSecret])),
  };
}

export const DEV_WEBHOOK_SECRETS: Readonly<Record<string, string>> = devWebhookSecretsOf(marketplaceDefinitions);

/**
 * Development-only settings of the registered marketplaces for the local runtime
 * (local/start.ts), from each definition's `devSettings`: e.g. SHOPIFY_SHOPS maps the
 * development shop to the sample seller.
 */
export function devMarketplaceSettingsOf(definitions: readonly MarketplaceDefinition[]): Readonly<Record<string, string>> {
  return Object.fromEntries(
    definitions.flatMap((d) => Object.entries(d.devSettings ?? {}).filter((e): e is [string, string] => e[1] !== undefined)),
  );
}

export const DEV_MARKETPLACE_SETTINGS: Readonly<Record<string, string>> = devMarketplaceSettingsOf(marketplaceDefinitions);

/**
 * Development-only JWT settings for the seller staff API. The local gateway verifies staff
 * tokens signed with this HS256 secret (issuer and audience below), the way API Gateway's
 * JWT authorizer verifies Cognito tokens in AWS; `npm run token` signs them. Never used by
 * the CDK stacks.
 */
export const DEV_JWT = {
  secret: 'dev-only-seller-api-jwt-signing-secret-change-me-000001',
  issuer: 'https://dispute-desk.local/dev-idp',
  audience: 'dispute-desk-local',
  algorithm: 'HS256',
} as const;

/** Development-only key for the seller API's page cursors (CURSOR_SIGNING_KEY). */
export const DEV_CURSOR_SIGNING_KEY = 'dev-only-cursor-signing-key-change-me-0000000001';

/**
 * Development staff directory (STAFF_DIRECTORY) for case assignment: `*` makes these users
 * staff of every seller, since `npm run token` mints tokens for any seller id.
 */
export const DEV_STAFF_DIRECTORY: Readonly<Record<string, readonly string[]>> = {
  '*': ['agent-1', 'agent-2', 'supervisor-1', 'manager-1'],
};

/** The local Stripe stand-in's secret key (test mode shape); never a real key. */
export const DEV_STRIPE_KEY = 'sk_test_dispute_desk_dev_standin';

/**
 * Development-only signing secrets of outbound notifications (#21), Standard Webhooks format
 * (`whsec_` + base64 of the key): the local receiver verifies with the same ones. Never used
 * by the CDK stacks, which read them from Secrets Manager.
 */
export const DEV_NOTIFICATION_SECRETS: Readonly<Record<string, string>> = {
  'demo-market': `whsec_${Buffer.from('dev-only-demo-market-notify-key-0001').toString('base64')}`,
};
