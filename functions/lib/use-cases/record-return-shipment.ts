import { recordReturnShipment as record } from '../workflow/return-leg-staff.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type RecordReturnShipmentDeps = StaffCommandDeps & { readonly refunds: RefundQueue };

/**
 * Records the return parcel (carrier, tracking, scans) (#15).
 *
 * Steps: the staff command frame (own case, If-Match, one conditional commit with a history
 * event whose actor is the staff member) around recordReturnShipment (workflow/return-leg-staff.ts); a
 * refund it releases is published after the commit (the outbox relay retries failures).
 */
export function recordReturnShipment(
  deps: RecordReturnShipmentDeps,
  input: StaffCommandInput & Parameters<typeof record>[2],
): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, (current, ctx) => record(current, ctx, input));
}
