import { ConflictError, ValidationError } from '../contract/errors.ts';
import type { ConditionGrade, InspectionOutcome, ReturnScan } from '../contract/return-payload.ts';
import type { CaseRecord } from './case.ts';
import { applyReturnLegUpdate } from './return-leg-step.ts';
import type { ReturnLegUpdate } from './return-leg.ts';
import type { StaffActionContext, StaffChange } from './staff-actions.ts';

/**
 * Seller staff record the return leg themselves (#15): the return parcel (carrier, tracking,
 * scans), its receipt, and the inspection of what came back. Each goes through the same step
 * as the marketplace's `return.shipment` (return-leg-step.ts): refused where the case cannot
 * take it (a cancelled or closed case, a receipt before any shipment where the policy
 * requires one: 409), recorded in the history with the staff member as actor, releasing a
 * held refund when its condition is met, an inspection re-deciding.
 */

function staffUpdate(current: CaseRecord, ctx: StaffActionContext, update: ReturnLegUpdate, trigger: string): StaffChange {
  const change = applyReturnLegUpdate(current, update, { now: ctx.now, policy: ctx.policy, actor: ctx.actor, trigger });
  if (change === undefined) throw new ConflictError(`Case ${current.caseId} already has this return-leg record: nothing new to write`);
  return { next: change.next, events: [...change.events], ...(change.outbox === undefined ? {} : { outbox: change.outbox }) };
}

/** A time staff give must not lie ahead of now (it would order itself after what is to come). */
function notInFuture(field: string, iso: string, now: string): void {
  if (Date.parse(iso) > Date.parse(now))
    throw new ValidationError('Times must not lie in the future', [{ field, problem: `must not be later than now (${now})` }]);
}

export function recordReturnShipment(
  current: CaseRecord,
  ctx: StaffActionContext,
  input: { carrier: string; trackingNumber: string; scans?: readonly ReturnScan[] | undefined },
): StaffChange {
  for (const [i, scan] of (input.scans ?? []).entries()) notInFuture(`scans.${i}.at`, scan.at, ctx.now);
  return staffUpdate(
    current,
    ctx,
    { carrier: input.carrier, trackingNumber: input.trackingNumber, scans: input.scans ?? [] },
    'staff.return-shipment',
  );
}

export function recordReturnReceipt(current: CaseRecord, ctx: StaffActionContext, input: { receivedAt?: string | undefined }): StaffChange {
  const receivedAt = input.receivedAt ?? ctx.now;
  notInFuture('receivedAt', receivedAt, ctx.now);
  return staffUpdate(current, ctx, { receivedAt }, 'staff.return-receipt');
}

export function recordInspection(
  current: CaseRecord,
  ctx: StaffActionContext,
  input: { outcome: InspectionOutcome; conditionGrade?: ConditionGrade | undefined; foundSkuOrSerial?: string | undefined },
): StaffChange {
  const inspection = {
    outcome: input.outcome,
    inspectedAt: ctx.now,
    ...(input.conditionGrade === undefined ? {} : { conditionGrade: input.conditionGrade }),
    ...(input.foundSkuOrSerial === undefined ? {} : { foundSkuOrSerial: input.foundSkuOrSerial }),
  };
  // An inspection means the goods are here: a receipt not yet recorded is recorded with it.
  return staffUpdate(
    current,
    ctx,
    { inspection, ...(current.returnLeg?.receivedAt === undefined ? { receivedAt: ctx.now } : {}) },
    'staff.inspection',
  );
}
