import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import type { MarketplaceAdapter, MarketplaceRegistry } from '../ports/marketplace-adapter.ts';
import { canonicalAdapter } from './canonical.ts';
import { SHOPIFY_MARKETPLACE, shopifyAdapter } from './shopify/adapter.ts';
import { shopifySettings } from './shopify/settings.ts';

/**
 * Which marketplace speaks which format. A marketplace listed here gets its own adapter,
 * built from its configuration; every other known marketplace (one with a webhook secret)
 * speaks the canonical format. Adding a marketplace: one adapter file, its settings merged
 * into `marketplaceSettings`, one line in `marketplaceRegistry`.
 */

/** Every adapter's environment settings, validated together at cold start (wiring/marketplaces.ts). */
export const marketplaceSettings = { ...shopifySettings };
export const MarketplaceConfigSchema = /* @__PURE__ */ (() => z.object(marketplaceSettings))();
export type MarketplaceConfig = z.infer<typeof MarketplaceConfigSchema>;

function registryOf(adapters: ReadonlyMap<string, MarketplaceAdapter>): MarketplaceRegistry {
  return {
    adapterFor(marketplace) {
      return adapters.get(marketplace) ?? canonicalAdapter;
    },
  };
}

export function marketplaceRegistry(config: MarketplaceConfig): MarketplaceRegistry {
  return registryOf(
    new Map<string, MarketplaceAdapter>([
      [SHOPIFY_MARKETPLACE, shopifyAdapter({ shops: config.SHOPIFY_SHOPS ?? {} }) as MarketplaceAdapter],
    ]),
  );
}

/** Every marketplace on the canonical format: what receiveWebhook uses when given no registry. */
export const canonicalOnly: MarketplaceRegistry = registryOf(new Map());
