import type { StaffPrincipal } from '../contract/staff-claims.ts';
import type { CaseRecord, HistoryEvent } from '../workflow/case.ts';
import type { CaseStore } from '../ports/case-store.ts';
import { loadOwnCase } from './staff-case-command.ts';

export type GetCaseDeps = { readonly store: CaseStore };

/**
 * One of the caller's cases with its full history.
 *
 * Steps:
 * 1. Read the case; another seller's case is 404, exactly like a missing one.
 * 2. Read its history (same partition), oldest first.
 */
export async function getCase(
  deps: GetCaseDeps,
  input: { principal: StaffPrincipal; caseId: string },
): Promise<{ case: CaseRecord; history: HistoryEvent[] }> {
  const found = await loadOwnCase(deps.store, input.principal, input.caseId);
  return { case: found, history: await deps.store.getHistory(input.caseId) };
}
