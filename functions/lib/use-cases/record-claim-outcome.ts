import { recordClaimOutcome as record } from '../workflow/carrier-claim.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type RecordClaimOutcomeDeps = StaffCommandDeps;

/**
 * Records the carrier's answer to a filed claim (#19): PAID (what it paid) or DENIED (the cost
 * falls back to the seller in the ledger). The staff command frame around workflow/carrier-claim.ts.
 */
export function recordClaimOutcome(
  deps: RecordClaimOutcomeDeps,
  input: StaffCommandInput & Parameters<typeof record>[2],
): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, (current, ctx) => record(current, ctx, input));
}
