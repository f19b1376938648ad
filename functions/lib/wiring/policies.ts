import { StaticPolicyProvider } from '../adapters/static-policy-provider.ts';
import { defaultPolicy } from '../decision/policy.ts';
import { marketplacePolicies, sellerPolicyOverrides } from '../decision/marketplace-policies.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import { once } from './once.ts';

/**
 * Marketplace policies ship with the code (functions/lib/decision/marketplace-policies.ts);
 * parsed and validated here, at the cold start of the functions that decide or escalate.
 */
export const policies: () => PolicyProvider = once(function buildPolicies() {
  return new StaticPolicyProvider(marketplacePolicies, defaultPolicy, sellerPolicyOverrides);
});
