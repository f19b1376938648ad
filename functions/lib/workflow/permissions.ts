import type { StaffRole } from '../contract/roles.ts';

import { ForbiddenError } from '../contract/errors.ts';
import type { StaffPrincipal } from '../contract/staff-claims.ts';
import { type FunctionSpec, functionManifest } from '../../manifest.ts';

/**
 * Which role may call which seller API action, read from the function manifest (each staff
 * route names its action and roles there). Money limits are a second check on top
 * (authority.ts), made once the refund amount is known.
 *
 * - Every staff role reads cases, adds evidence and notes, and approves the rule chain's
 *   recommendation (refunds only within its authority).
 * - Overriding the rule chain is a supervisor's or a manager's call.
 * - Anyone may assign; an agent only takes a case for themself or releases their own
 *   (see assign-case), while supervisors and managers hand cases to anyone of the seller.
 */
type StaffTrigger = Extract<(typeof functionManifest)[number]['trigger'], { auth: 'staff-jwt' }>;
export type StaffAction = StaffTrigger['permission']['action'];

const staffTriggers = (functionManifest as readonly FunctionSpec[]).flatMap((f) =>
  f.trigger.kind === 'http' && f.trigger.auth === 'staff-jwt' ? [f.trigger.permission] : [],
);

export const staffActions: readonly StaffAction[] = staffTriggers.map((p) => p.action as StaffAction);

export const rolesAllowed: Readonly<Record<StaffAction, readonly StaffRole[]>> = Object.fromEntries(
  staffTriggers.map((p) => [p.action, p.roles]),
) as Record<StaffAction, readonly StaffRole[]>;

export function isAllowed(role: StaffRole, action: StaffAction): boolean {
  return rolesAllowed[action].includes(role);
}

/** @throws ForbiddenError (403) naming the action and the roles that may take it. */
export function assertAllowed(principal: StaffPrincipal, action: StaffAction): void {
  if (!isAllowed(principal.role, action)) {
    throw new ForbiddenError(
      `The ${principal.role} role may not ${action.slice('cases:'.length).replace('-', ' ')} cases; allowed: ${rolesAllowed[action].join(', ')}`,
    );
  }
}

/** Supervisors and managers assign cases to anyone; an agent only to themself. */
export function mayAssignOthers(role: StaffRole): boolean {
  return role !== 'agent';
}
