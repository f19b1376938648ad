import { mayAssignOthers } from '../workflow/permissions.ts';
import { ValidationError } from '../contract/errors.ts';
import { assignCase as assign } from '../workflow/staff-actions.ts';
import type { StaffDirectory } from '../ports/staff-directory.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type AssignCaseDeps = StaffCommandDeps & { readonly staff: StaffDirectory };

/**
 * Assigns a case to a staff member of the caller's seller, or releases it (`null`).
 *
 * Steps:
 * 1. The assignee must be staff of the caller's own seller (400 naming `assignee` otherwise:
 *    the same answer for an unknown user and another seller's, so neither can be probed).
 * 2. The staff command frame around assignCase: agents take cases for themselves or release
 *    their own; supervisors and managers assign anyone (403 otherwise); CASE_ASSIGNED or
 *    CASE_UNASSIGNED is recorded.
 */
export function assignCase(deps: AssignCaseDeps, input: StaffCommandInput & { assignee: string | null }): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, async (current, ctx) => {
    const change = assign(current, { ...ctx, mayAssignOthers: mayAssignOthers(ctx.role) }, { assignee: input.assignee });
    if (input.assignee !== null && !(await deps.staff.isStaffOf(input.principal.sellerId, input.assignee))) {
      throw new ValidationError('Invalid assignee', [{ field: 'assignee', problem: 'is not a staff member of your seller' }]);
    }
    return change;
  });
}
