import { ConflictError, ForbiddenError, IllegalTransitionError } from '../contract/errors.ts';
import { type StaffRole, staffRoles } from '../contract/roles.ts';
import { isRefundRemedy, type RecommendedRemedy } from '../decision/decision-schema.ts';
import type { Policy } from '../decision/policy.ts';
import { type Actor, type AppealRecord, assertTransition, type CaseRecord, type EscalationLevel, type HistoryEvent } from './case.ts';
import { resolutionDueAt } from './service-levels.ts';
import { overrideDecision, type StaffActionContext, type StaffChange } from './staff-actions.ts';

/**
 * Appeals (#19): a decided case is re-opened once, within the policy's appeal window
 * (`appeals.windowDays` after the decision or the staff resolution that settled it), and the
 * appeal is decided by a role above the one that decided (a staff resolution's role; the rule
 * chain or the escalation sweep decide at the case's escalation level).
 *
 * The new outcome may change the remedy (through overrideDecision: ledger, authority, a refund
 * held for the goods like any other). Money already paid is never paid again: on a refunded
 * case only a refund above what was paid is made due, as a top-up of the difference (a new
 * refund id, derived from the case and the version the appeal is written at, through the
 * outbox and the worker like every refund); an appeal that asks no more than was paid upholds
 * the decision and moves no money. `appeal` on the case makes a second appeal a 409, and the
 * commit is conditional on the version read, so two concurrent appeals write one.
 */

export type AppealInput = { readonly remedy: RecommendedRemedy; readonly amount?: number | undefined; readonly reason: string };

const DAY_MS = 86_400_000;

const rank = (role: StaffRole) => staffRoles.indexOf(role);

/** Whose decision stands: a staff resolution's role, else the level the case was at when decided. */
export function decidingRole(c: CaseRecord): StaffRole {
  const by = c.resolution?.by;
  if (by?.kind === 'STAFF' && (staffRoles as readonly string[]).includes(by.role)) return by.role as StaffRole;
  return c.escalationLevel === 'MANAGER' ? 'manager' : c.escalationLevel === 'SUPERVISOR' ? 'supervisor' : 'agent';
}

/** When the decision under appeal was made: the staff resolution, else the engine's decision. */
function decidedAt(c: CaseRecord): string | undefined {
  return c.resolution?.at ?? c.decision?.decidedAt;
}

const appealable = (status: CaseRecord['status']) => status === 'DECIDED' || status === 'REJECTED' || status === 'REFUNDED';

function windowEndsAt(c: CaseRecord, policy: Policy): number | undefined {
  const at = decidedAt(c);
  return at === undefined ? undefined : Date.parse(at) + policy.appeals.windowDays * DAY_MS;
}

const levelOf: Readonly<Record<StaffRole, EscalationLevel>> = { agent: 'AGENT', supervisor: 'SUPERVISOR', manager: 'MANAGER' };

/**
 * The marketplace's `return.appealed` (#19): the case is re-opened once for a role above the
 * deciding one. A decided or rejected case goes back to NEEDS_REVIEW at that role's level with
 * its resolution deadline (the escalation sweep watches it); a refunded case keeps its status
 * (its money is not taken back) and carries the request for staff to decide with POST /appeal,
 * with that deadline too: it lists among the seller's due cases, and the escalation sweep
 * escalates the undecided appeal like a staff case (at the last level it stays with the manager:
 * the refund is under way, so no default resolution pays).
 * Ignored (acknowledged, nothing written): a second appeal, one outside the window, a case not
 * decided, or a manager's decision (nobody above it).
 */
export function requestAppeal(
  existing: CaseRecord,
  ctx: {
    readonly now: string;
    readonly policy: Policy;
    readonly actor: Actor;
    readonly details: Record<string, unknown>;
    readonly occurredAt: string;
  },
): { kind: 'CHANGE'; next: CaseRecord; events: HistoryEvent[] } | { kind: 'IGNORED'; reason: string } {
  if (existing.appeal !== undefined || existing.appealRequest !== undefined) return { kind: 'IGNORED', reason: 'ALREADY_APPEALED' };
  if (!appealable(existing.status)) return { kind: 'IGNORED', reason: 'NOT_APPEALABLE' };
  const ends = windowEndsAt(existing, ctx.policy);
  if (ends === undefined || Date.parse(ctx.occurredAt) > ends) return { kind: 'IGNORED', reason: 'APPEAL_WINDOW_CLOSED' };
  const appealedRole = decidingRole(existing);
  const above = staffRoles[rank(appealedRole) + 1];
  if (above === undefined) return { kind: 'IGNORED', reason: 'NO_ROLE_ABOVE_THE_DECIDING_ONE' };
  const base: CaseRecord = {
    ...existing,
    version: existing.version + 1,
    updatedAt: ctx.now,
    lastEventAt: ctx.occurredAt,
    appealRequest: { at: ctx.now, deliveryId: String(ctx.details.deliveryId ?? ''), appealedRole },
  };
  const level = levelOf[above];
  const dueAt = resolutionDueAt(level, ctx.policy, ctx.now);
  // A refunded case stays REFUNDED (its money is not taken back) but gets the deadline of the role
  // above, so it lists among the seller's due cases and staff see it waiting for them.
  let next: CaseRecord = { ...base, escalationLevel: level, dueAt };
  if (existing.status !== 'REFUNDED') {
    assertTransition(existing.status, 'NEEDS_REVIEW');
    next = { ...next, status: 'NEEDS_REVIEW' };
  }
  const event: HistoryEvent = {
    caseId: next.caseId,
    version: next.version,
    seq: 0,
    at: ctx.now,
    actor: ctx.actor,
    action: 'APPEAL_REQUESTED',
    fromStatus: existing.status,
    toStatus: next.status,
    details: { ...ctx.details, appealedRole, goesTo: above, windowEndsAt: new Date(ends).toISOString() },
  };
  return { kind: 'CHANGE', next, events: [event] };
}

export function appealCase(current: CaseRecord, ctx: StaffActionContext, input: AppealInput): StaffChange {
  if (current.appeal !== undefined) throw new ConflictError(`Case ${current.caseId} was already appealed, on ${current.appeal.at}`);
  const status = current.status;
  // A case the marketplace's appeal re-opened (NEEDS_REVIEW) is decided here too.
  if (!appealable(status) && !(status === 'NEEDS_REVIEW' && current.appealRequest !== undefined)) {
    throw new IllegalTransitionError(`A case in ${status} cannot be appealed: only a decided, rejected or refunded case`);
  }
  const windowEnds = windowEndsAt(current, ctx.policy);
  if (windowEnds === undefined) throw new IllegalTransitionError(`Case ${current.caseId} has no decision to appeal`);
  // A request that arrived in time holds the window open for staff to decide it.
  if (current.appealRequest === undefined && Date.parse(ctx.now) > windowEnds) {
    throw new ConflictError(`The appeal window closed on ${new Date(windowEnds).toISOString()} (${ctx.policy.appeals.windowDays} days)`);
  }
  const appealed = current.appealRequest?.appealedRole ?? decidingRole(current);
  if (rank(ctx.role) <= rank(appealed)) {
    throw new ForbiddenError(`An appeal of a ${appealed}'s decision goes to a role above it, not to a ${ctx.role}`);
  }
  const paid = current.refundedTotal ?? (current.refund?.status === 'APPLIED' ? current.refund.amount : 0);
  const raises = isRefundRemedy(input.remedy) && input.amount !== undefined && input.amount > paid;
  const record = (next: CaseRecord, outcome: AppealRecord['outcome'], topUp: number): AppealRecord => ({
    at: ctx.now,
    by: ctx.actor.id,
    role: ctx.role,
    appealedRole: appealed,
    outcome,
    remedy: input.remedy,
    ...(input.amount === undefined ? {} : { amount: input.amount }),
    topUp,
    version: next.version,
  });
  if (status === 'REFUNDED' && !raises) {
    // Nothing is clawed back, and nothing more is owed: the decision is upheld, no money moves;
    // the appeal's deadline is met.
    const { dueAt: _met, ...settled } = current;
    const next: CaseRecord = { ...settled, version: current.version + 1, updatedAt: ctx.now };
    const appeal = record(next, 'UPHELD', 0);
    return { next: { ...next, appeal }, events: [appealEvent(current, next, ctx, appeal, input.reason)] };
  }
  const changed = overrideDecision(current, ctx, { remedy: input.remedy, amount: input.amount, reason: `appeal: ${input.reason}` });
  const topUp = changed.outbox?.message.amount ?? 0;
  const appeal = record(changed.next, 'CHANGED', topUp);
  const events: HistoryEvent[] = [
    appealEvent(current, changed.next, ctx, appeal, input.reason),
    ...changed.events.map((e) => ({ ...e, seq: e.seq + 1 })),
  ];
  return { ...changed, next: { ...changed.next, appeal }, events };
}

function appealEvent(current: CaseRecord, next: CaseRecord, ctx: StaffActionContext, appeal: AppealRecord, reason: string): HistoryEvent {
  return {
    caseId: next.caseId,
    version: next.version,
    seq: 0,
    at: ctx.now,
    actor: ctx.actor,
    action: 'APPEAL_DECIDED',
    // A marker at the head of the write: the status moves in the override events after it
    // (DECISION_OVERRIDDEN, REFUND_DUE), each starting where the one before it ended.
    fromStatus: current.status,
    toStatus: current.status,
    details: {
      outcome: appeal.outcome,
      appealedRole: appeal.appealedRole,
      remedy: appeal.remedy,
      ...(appeal.amount === undefined ? {} : { amount: appeal.amount }),
      topUp: appeal.topUp,
      // What the buyer paid, as known when the appeal was decided: the ceiling of `amount`.
      amountPaid: current.return.money.amountPaid,
      reason,
    },
  };
}
