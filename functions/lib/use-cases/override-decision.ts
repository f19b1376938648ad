import { type OverrideInput, overrideDecision as override } from '../workflow/staff-actions.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type OverrideDecisionDeps = StaffCommandDeps & { readonly refunds: RefundQueue };

/**
 * Replaces the recommended remedy with the caller's own, for a stated reason.
 *
 * Steps: the staff command frame (own case, If-Match, one conditional commit) around
 * overrideDecision: amount never above the amount paid, within the caller's authority; a
 * refund becomes due and is published after the commit; DECISION_OVERRIDDEN keeps the reason.
 */
export function overrideDecision(deps: OverrideDecisionDeps, input: StaffCommandInput & OverrideInput): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, (current, ctx) =>
    override(current, ctx, { remedy: input.remedy, reason: input.reason, amount: input.amount }),
  );
}
