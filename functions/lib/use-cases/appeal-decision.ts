import type { RefundQueue } from '../ports/refund-queue.ts';
import { type AppealInput, appealCase } from '../workflow/appeal.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type AppealDecisionDeps = StaffCommandDeps & { readonly refunds: RefundQueue };

/**
 * Decides the one appeal of a case (#19): the staff command frame (own case, If-Match, one
 * conditional commit with APPEAL_DECIDED in the history) around appealCase
 * (workflow/appeal.ts); a top-up it makes due is published after the commit, and the outbox
 * relay retries a failed publish. The worker pays each refund id once.
 */
export function appealDecision(deps: AppealDecisionDeps, input: StaffCommandInput & AppealInput): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, (current, ctx) => appealCase(current, ctx, input));
}
