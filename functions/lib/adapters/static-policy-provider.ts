import { defaultPolicy, type Policy, parsePolicy } from '../decision/policy.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';

/**
 * Policies shipped with the code: versioned with it, validated when the function starts.
 * A marketplace without its own policy gets the default one.
 */
export class StaticPolicyProvider implements PolicyProvider {
  readonly #byMarketplace: ReadonlyMap<string, Policy>;
  readonly #fallback: Policy;

  constructor(policies: readonly unknown[] = [], fallback: Policy = defaultPolicy) {
    this.#byMarketplace = new Map(policies.map((json) => parsePolicy(json)).map((p) => [p.marketplace, p]));
    this.#fallback = fallback;
  }

  policyFor(marketplace: string): Policy {
    return this.#byMarketplace.get(marketplace) ?? this.#fallback;
  }
}
