/**
 * Per-marketplace decision policies and per-seller overrides, as data (JSON beside this file).
 * Add a marketplace's policy as `policies/<marketplace>.json` and list it here; add a seller's
 * override to `policies/seller-overrides.json`. Both are validated (parsePolicy,
 * parseSellerOverride) when a function starts, so a typo fails the deployment's first
 * invocation loudly instead of deciding cases wrongly. Marketplaces without an entry use the
 * default policy (functions/lib/decision/policy.ts). `npm run backtest -- --policy <file>`
 * shows what a changed file would change before it ships.
 */
import sellerOverrides from './policies/seller-overrides.json' with { type: 'json' };
import shopify from './policies/shopify.json' with { type: 'json' };

export const marketplacePolicies: readonly unknown[] = [shopify];
export const sellerPolicyOverrides: readonly unknown[] = sellerOverrides;
