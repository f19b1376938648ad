import type { Policy } from '../decision/policy.ts';
import type { EscalationLevel } from './case.ts';

/**
 * How long each escalation level has to resolve a case (policy `serviceLevels`), shared by
 * the escalation ladder and by a re-decision that restarts a case's clock.
 */

const MINUTE_MS = 60_000;

const roleOf = { AGENT: 'agent', SUPERVISOR: 'supervisor', MANAGER: 'manager' } as const satisfies Record<EscalationLevel, string>;

/** Minutes a level has to resolve a case before it moves up. */
export function resolutionMinutes(level: EscalationLevel, policy: Policy): number {
  return policy.serviceLevels.resolutionMinutes[roleOf[level]];
}

/** The deadline of a level whose clock starts at `now`. */
export function resolutionDueAt(level: EscalationLevel, policy: Policy, now: string): string {
  return new Date(Date.parse(now) + resolutionMinutes(level, policy) * MINUTE_MS).toISOString();
}
