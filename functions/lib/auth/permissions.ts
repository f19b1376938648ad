import type { StaffRole } from '../decision/policy.ts';
import { ForbiddenError } from '../domain/errors.ts';
import type { StaffPrincipal } from './claims.ts';

/**
 * Which role may call which seller API action. Money limits are a second check on top
 * (authority.ts), made once the refund amount is known.
 *
 * - Every staff role reads cases, adds evidence and notes, and approves the rule chain's
 *   recommendation (refunds only within its authority).
 * - Overriding the rule chain is a supervisor's or a manager's call.
 * - Anyone may assign; an agent only takes a case for themself or releases their own
 *   (see assign-case), while supervisors and managers hand cases to anyone of the seller.
 */
export const staffActions = [
  'cases:list',
  'cases:read',
  'cases:add-evidence',
  'cases:approve',
  'cases:override',
  'cases:add-note',
  'cases:assign',
] as const;
export type StaffAction = (typeof staffActions)[number];

const everyone: readonly StaffRole[] = ['agent', 'supervisor', 'manager'];

export const rolesAllowed: Readonly<Record<StaffAction, readonly StaffRole[]>> = {
  'cases:list': everyone,
  'cases:read': everyone,
  'cases:add-evidence': everyone,
  'cases:approve': everyone,
  'cases:override': ['supervisor', 'manager'],
  'cases:add-note': everyone,
  'cases:assign': everyone,
};

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
