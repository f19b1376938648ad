import { StaticPolicyProvider } from '../adapters/static-policy-provider.ts';
import { marketplacePolicies } from '../decision/marketplace-policies.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';

let provider: PolicyProvider | undefined;

/**
 * Marketplace policies ship with the code (functions/lib/decision/marketplace-policies.ts);
 * parsed and validated here, at cold start, by the functions that decide or escalate.
 */
export function policies(): PolicyProvider {
  provider ??= new StaticPolicyProvider(marketplacePolicies);
  return provider;
}
