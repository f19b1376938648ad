import type { StaffPrincipal } from '../contract/staff-claims.ts';
import type { CaseRecord, HistoryEvent } from '../workflow/case.ts';
import { refundLimitOf } from '../decision/authority.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import { loadOwnCase } from './staff-case-command.ts';

export type GetCaseDeps = { readonly store: CaseStore; readonly policies: PolicyProvider };

/** The caller's refund authority on this case: their role's limit in the case's currency. */
export type CallerAuthority = { readonly role: StaffPrincipal['role']; readonly refundLimit: number | null; readonly currency: string };

/**
 * One of the caller's cases with its full history.
 *
 * Steps:
 * 1. Read the case; another seller's case is 404, exactly like a missing one.
 * 2. Read its history (same partition), oldest first.
 * 3. The caller's refund limit in the case's currency, from the seller's policy, so a client
 *    can show it before an approval or override is refused for it.
 */
export async function getCase(
  deps: GetCaseDeps,
  input: { principal: StaffPrincipal; caseId: string },
): Promise<{ case: CaseRecord; history: HistoryEvent[]; authority: CallerAuthority }> {
  const found = await loadOwnCase(deps.store, input.principal, input.caseId);
  const policy = deps.policies.policyFor(found.marketplace, found.sellerId);
  const currency = found.return.money.currency;
  const authority = { role: input.principal.role, refundLimit: refundLimitOf(input.principal.role, currency, policy), currency };
  return { case: found, history: await deps.store.getHistory(input.caseId), authority };
}
