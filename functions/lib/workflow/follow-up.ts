import type { Policy } from '../decision/policy.ts';
import { type Actor, assertTransition, type CaseRecord, type HistoryEvent } from './case.ts';
import { recommendationForStaff } from './decision-step.ts';
import { resolutionDueAt } from './service-levels.ts';

/**
 * Remedies staff settled that take time to carry out, followed to the end on the same sweep
 * as escalation (#15 item 5), so nothing waits for a marketplace event that may never come:
 *
 * | settled with | watched until                                              | when it passes                                         |
 * |--------------|------------------------------------------------------------|--------------------------------------------------------|
 * | RESHIP       | the replacement's promised delivery (once it is recorded)  | REPLACEMENT_FAILED (NOT_DELIVERED_BY_PROMISE): NEEDS_REVIEW, the staff decision consumed, the staff clock restarted at the case's level |
 * | REPAIR       | the repair overruns the policy: promised completion + overrunLimitDays + 1 day (no promise: start + reasonableDays + 1 day) | the rule chain decides as of then; its answer (a refund for an overrun repair) is a recommendation flagged for staff, as new facts after a staff decision are |
 *
 * A watched case is DECIDED with a staff resolution and carries `dueAt` = the follow-up time;
 * the escalation facts name the follow-up, so the sweep never mistakes it for a staff deadline.
 * The step needs the whole case (the replacement's scans, the repair), so the sweep reads it.
 */

export type FollowUpKind = 'REPLACEMENT' | 'REPAIR';

const DAY_MS = 86_400_000;

/** What the sweep may know from the index entry alone: which follow-up a deadline is. */
export function followUpKindOf(c: Pick<CaseRecord, 'status' | 'resolution' | 'recommendation'>): FollowUpKind | undefined {
  if (c.status !== 'DECIDED' || c.resolution === undefined) return undefined;
  if (c.resolution.remedy === 'RESHIP') return 'REPLACEMENT';
  // Once flagged, the repair is staff's to answer again: no second follow-up.
  if (c.resolution.remedy === 'REPAIR' && c.recommendation === undefined) return 'REPAIR';
  return undefined;
}

/** The time a settled remedy is followed up, or undefined when nothing is to be watched. */
export function followUpAt(
  c: Pick<CaseRecord, 'status' | 'resolution' | 'recommendation' | 'replacement' | 'return'>,
  policy: Policy,
): string | undefined {
  switch (followUpKindOf(c)) {
    case 'REPLACEMENT': {
      const r = c.replacement;
      if (r?.promisedDeliveryAt === undefined) return undefined;
      if (r.scans.some((s) => s.type === 'DELIVERED' || s.type === 'LOST')) return undefined;
      return r.promisedDeliveryAt;
    }
    case 'REPAIR': {
      const repair = c.return.repair;
      if (repair === undefined || repair.status !== 'IN_PROGRESS') return undefined;
      const limits = policy.repair;
      // The first moment the rule chain counts the repair as overrun (facts.ts: whole days past, above the limit).
      const dueMs =
        repair.promisedCompletionAt === undefined
          ? Date.parse(repair.startedAt) + (limits.reasonableDays + 1) * DAY_MS
          : Date.parse(repair.promisedCompletionAt) + (limits.overrunLimitDays + 1) * DAY_MS;
      return new Date(dueMs).toISOString();
    }
    case undefined:
      return undefined;
  }
}

/**
 * A case staff settled (DECIDED with a resolution: no staff deadline watches it) with its
 * follow-up deadline set, or none when nothing is left to watch; any other case unchanged
 * (its deadline, if any, is a staff or return-window one).
 */
export function withFollowUp(c: CaseRecord, policy: Policy): CaseRecord {
  if (c.status !== 'DECIDED' || c.resolution === undefined) return c;
  const { dueAt: _previous, ...rest } = c;
  const at = followUpAt(c, policy);
  return at === undefined ? rest : { ...rest, dueAt: at };
}

/**
 * The follow-up on the whole case, as of `now`: undefined when there is nothing (any longer)
 * to follow up (delivered meanwhile, deadline moved), so the caller writes nothing.
 */
export function followUpStep(
  c: CaseRecord,
  input: { readonly now: string; readonly policy: Policy; readonly actor: Actor; readonly rule: string; readonly expectedVersion: number },
): { next: CaseRecord; events: HistoryEvent[] } | undefined {
  if (c.version !== input.expectedVersion) return undefined;
  const kind = followUpKindOf(c);
  const at = followUpAt(c, input.policy);
  if (kind === undefined || at === undefined || c.dueAt !== at || Date.parse(at) > Date.parse(input.now)) return undefined;
  const { dueAt: _followedUp, ...rest } = c;
  const base: CaseRecord = { ...rest, version: c.version + 1, updatedAt: input.now };
  const event = (seq: number, action: string, toStatus: CaseRecord['status'], details: Record<string, unknown>): HistoryEvent => ({
    caseId: c.caseId,
    version: base.version,
    seq,
    at: input.now,
    actor: input.actor,
    action,
    fromStatus: c.status,
    toStatus,
    details: { rule: input.rule, deadline: at, policyVersion: input.policy.version, ...details },
  });
  if (kind === 'REPLACEMENT') {
    assertTransition(c.status, 'NEEDS_REVIEW');
    const { resolution: _consumed, ...open } = base;
    return {
      next: { ...open, status: 'NEEDS_REVIEW', dueAt: resolutionDueAt(c.escalationLevel, input.policy, input.now) },
      events: [
        event(0, 'REPLACEMENT_FAILED', 'NEEDS_REVIEW', {
          reason: 'NOT_DELIVERED_BY_PROMISE',
          promisedDeliveryAt: at,
          ...(c.replacement === undefined ? {} : { carrier: c.replacement.carrier, scans: c.replacement.scans.length }),
        }),
      ],
    };
  }
  const overrun = event(0, 'REPAIR_OVERRUN', c.status, {
    ...(c.return.repair?.promisedCompletionAt === undefined ? {} : { promisedCompletionAt: c.return.repair.promisedCompletionAt }),
    overrunLimitDays: input.policy.repair.overrunLimitDays,
  });
  const flagged = recommendationForStaff(base, { policy: input.policy, now: input.now, actor: input.actor, trigger: input.rule, seq: 1 });
  // The engine agreeing with the repair (nothing overrun after all) still ends this follow-up.
  return flagged === undefined ? { next: base, events: [overrun] } : { next: flagged.next, events: [overrun, ...flagged.events] };
}
