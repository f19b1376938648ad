/**
 * Development-only webhook secrets for the local runtime and tests. Documented in the
 * README so anyone can sign a request by hand. Never used by the CDK stacks, which read
 * secrets from Secrets Manager.
 */
export const DEV_WEBHOOK_SECRETS: Readonly<Record<string, string>> = {
  'demo-market': 'dev-only-demo-market-secret-change-me-0001',
  shopify: 'dev-only-shopify-app-secret-change-me-00002',
};
