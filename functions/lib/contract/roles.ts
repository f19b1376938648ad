/**
 * Staff roles in escalation order: each one can approve what the previous one can, and more.
 * The names are part of the contract (tokens carry them, policies key limits by them):
 * rename only with a new policy schema version.
 */
export const staffRoles = ['agent', 'supervisor', 'manager'] as const;
export type StaffRole = (typeof staffRoles)[number];
