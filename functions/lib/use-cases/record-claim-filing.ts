import { recordClaimFiling as record } from '../workflow/carrier-claim.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type RecordClaimFilingDeps = StaffCommandDeps;

/**
 * Records that staff filed the carrier claim (#19): TO_FILE → FILED with the carrier's
 * reference, before the filing deadline. The staff command frame (own case, If-Match, one
 * conditional commit with a CARRIER_CLAIM_FILED event) around workflow/carrier-claim.ts.
 */
export function recordClaimFiling(
  deps: RecordClaimFilingDeps,
  input: StaffCommandInput & Parameters<typeof record>[2],
): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, (current, ctx) => record(current, ctx, input));
}
