import { addStaffEvidence, type StaffEvidenceInput } from '../workflow/staff-actions.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type AddEvidenceDeps = StaffCommandDeps & { readonly refunds: RefundQueue };

/**
 * Adds staff evidence to a case and lets the rule chain decide again.
 *
 * Steps: the staff command frame (own case, If-Match, one conditional commit) around
 * addStaffEvidence: evidence submitted as SELLER, EVIDENCE_ADDED, then a new DECISION_MADE
 * while the case is open to a decision. A refund the new decision makes due is published
 * after the commit, as on intake.
 */
export function addEvidence(
  deps: AddEvidenceDeps,
  input: StaffCommandInput & { evidence: readonly StaffEvidenceInput[] },
): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, (current, ctx) => addStaffEvidence(current, input.evidence, ctx));
}
