import { ConflictError, ForbiddenError, IllegalTransitionError } from '../contract/errors.ts';
import { type StaffRole, staffRoles } from '../contract/roles.ts';
import { isRefundRemedy, type RecommendedRemedy } from '../decision/decision-schema.ts';
import type { AppealRecord, CaseRecord, HistoryEvent } from './case.ts';
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

export function appealCase(current: CaseRecord, ctx: StaffActionContext, input: AppealInput): StaffChange {
  if (current.appeal !== undefined) throw new ConflictError(`Case ${current.caseId} was already appealed, on ${current.appeal.at}`);
  const status = current.status;
  if (status !== 'DECIDED' && status !== 'REJECTED' && status !== 'REFUNDED') {
    throw new IllegalTransitionError(`A case in ${status} cannot be appealed: only a decided, rejected or refunded case`);
  }
  const at = decidedAt(current);
  if (at === undefined) throw new IllegalTransitionError(`Case ${current.caseId} has no decision to appeal`);
  const windowEnds = Date.parse(at) + ctx.policy.appeals.windowDays * DAY_MS;
  if (Date.parse(ctx.now) > windowEnds) {
    throw new ConflictError(`The appeal window closed on ${new Date(windowEnds).toISOString()} (${ctx.policy.appeals.windowDays} days)`);
  }
  const appealed = decidingRole(current);
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
    // Nothing is clawed back, and nothing more is owed: the decision is upheld, no money moves.
    const next: CaseRecord = { ...current, version: current.version + 1, updatedAt: ctx.now };
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
    fromStatus: current.status,
    toStatus: next.status,
    details: {
      outcome: appeal.outcome,
      appealedRole: appeal.appealedRole,
      remedy: appeal.remedy,
      ...(appeal.amount === undefined ? {} : { amount: appeal.amount }),
      topUp: appeal.topUp,
      reason,
    },
  };
}
