import { approveDecision as approve } from '../workflow/staff-actions.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type ApproveDecisionDeps = StaffCommandDeps & { readonly refunds: RefundQueue };

/**
 * Approves the current decision's recommended remedy.
 *
 * Steps: the staff command frame (own case, If-Match, one conditional commit) around
 * approveDecision: a refund within the caller's authority (policy.authorityLimits) becomes
 * due (REFUND_PENDING, REFUND_DUE, outbox record) and is published after the commit; above
 * it, 403 naming the limit. Twenty concurrent approvals of one version: one commits, the
 * others get 412, and exactly one refund is due.
 */
export function approveDecision(
  deps: ApproveDecisionDeps,
  input: StaffCommandInput & { comment?: string | undefined },
): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, (current, ctx) => approve(current, ctx, { comment: input.comment }));
}
