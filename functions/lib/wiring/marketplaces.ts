import { loadConfig } from '../config.ts';
import { MarketplaceConfigSchema, marketplaceRegistry } from '../marketplaces/index.ts';
import type { MarketplaceRegistry } from '../ports/marketplace-adapter.ts';
import { once } from './once.ts';

/** Marketplace formats and their settings (e.g. SHOPIFY_SHOPS). */
export const marketplaces: () => MarketplaceRegistry = once(function buildMarketplaces() {
  return marketplaceRegistry(loadConfig(MarketplaceConfigSchema));
});
