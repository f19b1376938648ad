import { type StaffRole, staffRoles } from '../contract/roles.ts';
import type { Policy } from './policy.ts';
import { AuthorityExceededError } from '../contract/errors.ts';
import { formatMoney } from '../contract/money.ts';

/**
 * Refund authority: the largest refund each role may approve alone, per currency, from the
 * marketplace's policy (policy.authorityLimits). Pure.
 */

/** The smallest role whose limit covers the refund, or undefined when none does. */
export function roleRequiredFor(amount: number, currency: string, policy: Policy): StaffRole | undefined {
  const limits = policy.authorityLimits[currency];
  if (limits === undefined) return undefined;
  return staffRoles.find((role) => amount <= limits[role]);
}

/**
 * The authority a decision records (Decision.authority): who must approve its refund, and
 * whether the engine, acting with an agent's authority, may pay it without asking.
 * Nothing to pay needs nobody above an agent, whatever the policy; a currency without
 * limits has nobody configured to approve money in it.
 */
export function decisionAuthority(
  amount: number,
  currency: string,
  policy: Policy,
): { requiredRole: StaffRole | null; exceedsAgentAuthority: boolean } {
  if (amount === 0) return { requiredRole: 'agent', exceedsAgentAuthority: false };
  const limits = policy.authorityLimits[currency];
  if (limits === undefined) return { requiredRole: null, exceedsAgentAuthority: true };
  return { requiredRole: roleRequiredFor(amount, currency, policy) ?? null, exceedsAgentAuthority: amount > limits.agent };
}

/**
 * What a role may refund alone in a currency: its limit (minor units), or null when the
 * policy sets no limits for that currency (nobody may approve money in it).
 */
export function refundLimitOf(role: StaffRole, currency: string, policy: Policy): number | null {
  return policy.authorityLimits[currency]?.[role] ?? null;
}

/**
 * @throws AuthorityExceededError (403) naming the refund, the caller's limit and who may
 *   approve it instead, e.g. "Refund CNY 2499.00 exceeds the agent limit of CNY 500.00;
 *   a supervisor (limit CNY 5000.00) must approve it".
 */
export function assertRefundAuthority(role: StaffRole, refund: { amount: number; currency: string }, policy: Policy): void {
  const limits = policy.authorityLimits[refund.currency];
  const wanted = formatMoney(refund.amount, refund.currency);
  if (limits === undefined) {
    throw new AuthorityExceededError(
      `Refund ${wanted} cannot be approved: policy ${policy.version} sets no authority limits for ${refund.currency}`,
    );
  }
  const limit = limits[role];
  if (refund.amount <= limit) return;
  const needed = roleRequiredFor(refund.amount, refund.currency, policy);
  const next =
    needed === undefined
      ? `no role's limit covers it (manager limit ${formatMoney(limits.manager, refund.currency)})`
      : `a ${needed} (limit ${formatMoney(limits[needed], refund.currency)}) must approve it`;
  throw new AuthorityExceededError(`Refund ${wanted} exceeds the ${role} limit of ${formatMoney(limit, refund.currency)}; ${next}`);
}
