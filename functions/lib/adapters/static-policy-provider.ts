import { applySellerOverride, defaultPolicy, parsePolicy, parseSellerOverride, type Policy } from '../decision/policy.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';

/**
 * Policies shipped with the code: versioned with it, validated when the function starts.
 * A marketplace without its own policy gets the default one; a seller with an override gets
 * its marketplace's policy with the override merged in (validated as a whole at start too).
 */
export class StaticPolicyProvider implements PolicyProvider {
  readonly #byMarketplace: ReadonlyMap<string, Policy>;
  readonly #fallback: Policy;
  /** Merged policy per `marketplace seller`, built and validated at construction. */
  readonly #bySeller: ReadonlyMap<string, Policy>;

  constructor(policies: readonly unknown[] = [], fallback: Policy = defaultPolicy, sellerOverrides: readonly unknown[] = []) {
    this.#byMarketplace = new Map(policies.map((json) => parsePolicy(json)).map((p) => [p.marketplace, p]));
    this.#fallback = fallback;
    const bySeller = new Map<string, Policy>();
    for (const json of sellerOverrides) {
      const marketplace = (json as { marketplace?: unknown } | null)?.marketplace;
      const base = typeof marketplace === 'string' ? this.#marketplacePolicy(marketplace) : this.#fallback;
      const override = parseSellerOverride(json, base);
      const key = `${override.marketplace} ${override.sellerId}`;
      if (bySeller.has(key)) throw new Error(`two policy overrides for seller ${override.sellerId} on ${override.marketplace}`);
      bySeller.set(key, applySellerOverride(base, override));
    }
    this.#bySeller = bySeller;
  }

  #marketplacePolicy(marketplace: string): Policy {
    return this.#byMarketplace.get(marketplace) ?? this.#fallback;
  }

  policyFor(marketplace: string, sellerId?: string): Policy {
    const base = this.#marketplacePolicy(marketplace);
    if (sellerId === undefined) return base;
    return this.#bySeller.get(`${base.marketplace} ${sellerId}`) ?? base;
  }
}
