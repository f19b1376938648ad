import type { Policy } from '../decision/policy.ts';

/**
 * The decision policy in force for a marketplace (its own, or the default one), with the
 * seller's own override merged in when `sellerId` is given and has one.
 */
export interface PolicyProvider {
  policyFor(marketplace: string, sellerId?: string): Policy;
}
