import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import type { MarketplaceAdapter, MarketplaceRegistry } from '../ports/marketplace-adapter.ts';
import { canonicalAdapter } from './canonical.ts';
import type { MarketplaceDefinition, MarketplaceSettings } from './definition.ts';
import { shopify } from './shopify/index.ts';

/**
 * Which marketplace speaks which format. A marketplace listed here gets its own adapter,
 * built from its configuration; every other known marketplace (one with a webhook secret)
 * speaks the canonical format (canonical.ts).
 *
 * Adding a marketplace format: a folder beside shopify/ whose index.ts exports its
 * definition (definition.ts), and its entry in this list. Its settings, adapter, published
 * bodies (http/webhook-body-schemas.ts), webhook secret in every stage (infra/stage-config.ts)
 * and development secret and settings (local/dev-secrets.ts) follow from the entry.
 */
export const marketplaceDefinitions = [shopify] as const satisfies readonly MarketplaceDefinition[];

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every setting of these marketplaces, by variable name. */
export type SettingsOf<D extends readonly MarketplaceDefinition[]> =
  UnionToIntersection<D[number]['settings']> extends infer S extends MarketplaceSettings ? S : never;
/** The validated configuration of these marketplaces. */
export type ConfigOf<D extends readonly MarketplaceDefinition[]> = z.output<z.ZodMiniObject<SettingsOf<D>>>;

/** The definitions' settings merged into one shape; the caller checks that no two share a variable. */
export function marketplaceSettingsOf<const D extends readonly MarketplaceDefinition[]>(definitions: D): SettingsOf<D> {
  return Object.assign({}, ...definitions.map((d) => d.settings)) as SettingsOf<D>;
}

/** Every adapter's environment settings, validated together at cold start (wiring/marketplaces.ts). */
export const marketplaceSettings = /* @__PURE__ */ (() => marketplaceSettingsOf(marketplaceDefinitions))();
export const MarketplaceConfigSchema = /* @__PURE__ */ (() => z.object(marketplaceSettings))();
export type MarketplaceConfig = ConfigOf<typeof marketplaceDefinitions>;

function registryOf(adapters: ReadonlyMap<string, MarketplaceAdapter>): MarketplaceRegistry {
  return {
    adapterFor(marketplace) {
      return adapters.get(marketplace) ?? canonicalAdapter;
    },
  };
}

/** Each definition's adapter under its name, built from the configuration; the canonical one for every other name. */
export function marketplaceRegistry<const D extends readonly MarketplaceDefinition[] = typeof marketplaceDefinitions>(
  config: ConfigOf<D>,
  definitions: D = marketplaceDefinitions as unknown as D,
): MarketplaceRegistry {
  return registryOf(new Map(definitions.map((d) => [d.name, d.adapter(config)])));
}

/** Every marketplace on the canonical format: what receiveWebhook uses when given no registry. */
export const canonicalOnly: MarketplaceRegistry = /* @__PURE__ */ registryOf(new Map());
