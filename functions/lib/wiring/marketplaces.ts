import { loadConfig } from '../config.ts';
import { MarketplaceConfigSchema, marketplaceRegistry } from '../marketplaces/index.ts';
import type { MarketplaceRegistry } from '../ports/marketplace-adapter.ts';

let registry: MarketplaceRegistry | undefined;

/** Marketplace formats and their settings (e.g. SHOPIFY_SHOPS), validated at cold start. */
export function marketplaces(): MarketplaceRegistry {
  registry ??= marketplaceRegistry(loadConfig(MarketplaceConfigSchema));
  return registry;
}
