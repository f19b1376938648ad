import type { Policy } from '../decision/policy.ts';

/** The decision policy in force for a marketplace (its own, or the default one). */
export interface PolicyProvider {
  policyFor(marketplace: string): Policy;
}
