import type { DefaultResolution, Policy } from '../decision/policy.ts';
import {
  type Actor,
  assertTransition,
  awaitingStaffStatuses,
  type CaseRecord,
  type EscalationLevel,
  type HistoryEvent,
} from './case.ts';
import { type LedgerLine, makeRefundDue, type OutboxRecord } from './decision-step.ts';

/**
 * What happens to a case whose deadline passed with nobody acting on it. Pure: the caller
 * reads the case, plans here, and commits the result conditional on the version it read.
 *
 * How `dueAt` moves (it is only ever watched while the case waits for staff, see
 * awaitingStaffStatuses; the sparse `byOpenDeadline` index holds exactly those cases):
 *
 * | level      | deadline that passed                        | what happens                                   | new dueAt                          |
 * |------------|---------------------------------------------|------------------------------------------------|------------------------------------|
 * | AGENT      | first response (intake: claimedAt + firstResponseMinutes[priority]) or the agent's resolution deadline | ESCALATED to SUPERVISOR | now + resolutionMinutes.supervisor |
 * | SUPERVISOR | supervisor's resolution deadline            | ESCALATED to MANAGER                           | now + resolutionMinutes.manager    |
 * | MANAGER    | manager's resolution deadline               | DEFAULT_RESOLUTION per policy                  | removed                            |
 *
 * The next level's clock starts when the escalation happens (`now`), not at the missed
 * deadline: a run delayed by an outage must not push a case through two levels at once.
 * `resolutionMinutes.agent` is for the staff API: a first answer by an agent moves dueAt to
 * now + resolutionMinutes.agent and keeps the case at AGENT (not implemented here).
 *
 * Default resolutions after the last level:
 * - BUYER_WINS_FULL_REFUND / BUYER_WINS_RETURN_AND_REFUND: the buyer is refunded the full
 *   amount paid (with the return, the seller also pays the return label), through
 *   makeRefundDue like every other refund: REFUND_PENDING, refund record, outbox record.
 * - HOLD_WITH_MANAGER: the case stays with the manager, status unchanged, no further
 *   escalation; dueAt is removed, so it leaves the sweep.
 * A buyer-wins resolution with nothing to refund (amount paid 0, or a refund already under
 * way on the case) is held with the manager instead, and the event says why.
 */

export const ESCALATION_ACTOR: Actor = { kind: 'SYSTEM', id: 'escalate-stale-cases' };

/** Names of the service-level rules whose deadline can trigger a step; stored in history. */
export type EscalationRule =
  | 'FIRST_RESPONSE_DEADLINE'
  | 'AGENT_RESOLUTION_DEADLINE'
  | 'SUPERVISOR_RESOLUTION_DEADLINE'
  | 'MANAGER_RESOLUTION_DEADLINE';

export type EscalationSkipReason =
  /** The case no longer waits for staff (decided, refunded, cancelled meanwhile). */
  | 'NOT_AWAITING_STAFF'
  /** Its deadline is not the one the index listed: someone acted, or another run escalated it. */
  | 'DEADLINE_MOVED'
  /** The deadline is still ahead (a stale or early read). */
  | 'NOT_DUE';

type PlannedStep = {
  readonly caseId: string;
  readonly next: CaseRecord;
  readonly events: readonly HistoryEvent[];
  readonly rule: EscalationRule;
  readonly fromLevel: EscalationLevel;
  readonly toLevel: EscalationLevel;
  /** The deadline that was missed, and by how much (ms) at `now`. */
  readonly deadline: string;
  readonly overdueMs: number;
};

export type EscalationPlan =
  | { readonly kind: 'SKIP'; readonly caseId: string; readonly reason: EscalationSkipReason }
  | (PlannedStep & { readonly kind: 'ESCALATE' })
  | (PlannedStep & {
      readonly kind: 'DEFAULT_RESOLUTION';
      /** What was actually applied (a buyer-wins resolution with nothing to pay is a hold). */
      readonly resolution: DefaultResolution;
      /** Present when the resolution made a refund due; publish it after the commit. */
      readonly outbox?: OutboxRecord;
    });

const MINUTE_MS = 60_000;

const nextLevel: Readonly<Record<EscalationLevel, EscalationLevel | undefined>> = {
  AGENT: 'SUPERVISOR',
  SUPERVISOR: 'MANAGER',
  MANAGER: undefined,
};

/** Minutes a level has to resolve a case before it moves up. */
const roleOf = { AGENT: 'agent', SUPERVISOR: 'supervisor', MANAGER: 'manager' } as const satisfies Record<EscalationLevel, string>;
const minutesFor = (level: EscalationLevel, policy: Policy) => policy.serviceLevels.resolutionMinutes[roleOf[level]];

function ruleFor(c: CaseRecord & { dueAt: string }): EscalationRule {
  switch (c.escalationLevel) {
    case 'AGENT':
      // Until staff answer, the agent's deadline is the first-response one set at intake.
      return c.decision?.firstResponseDueAt === c.dueAt ? 'FIRST_RESPONSE_DEADLINE' : 'AGENT_RESOLUTION_DEADLINE';
    case 'SUPERVISOR':
      return 'SUPERVISOR_RESOLUTION_DEADLINE';
    case 'MANAGER':
      return 'MANAGER_RESOLUTION_DEADLINE';
  }
}

function withoutDueAt(c: CaseRecord): CaseRecord {
  const { dueAt: _dueAt, ...rest } = c;
  return rest;
}

/** Who pays what when the buyer wins by default: the seller, who did not answer in time. */
function defaultResolutionLedger(c: CaseRecord, resolution: DefaultResolution): LedgerLine[] {
  const { currency, amountPaid, shippingCost } = c.return.money;
  const lines: LedgerLine[] = [
    {
      kind: 'BUYER_REFUND',
      amount: amountPaid,
      currency,
      paidBy: 'SELLER',
      bornBy: 'SELLER',
      note: 'default resolution: the seller did not resolve the case in time; full refund of the amount paid',
    },
  ];
  if (resolution === 'BUYER_WINS_RETURN_AND_REFUND') {
    lines.push({ kind: 'RETURN_SHIPPING', amount: shippingCost, currency, paidBy: 'SELLER', bornBy: 'SELLER', note: 'return label, paid by the seller under the default resolution' });
  }
  // A carrier's share can still be claimed by the seller afterwards.
  for (const line of c.ledger ?? []) if (line.kind === 'CARRIER_CLAIM') lines.push(line);
  return lines;
}

/**
 * Plans one escalation step for a case found in the due index.
 *
 * Steps:
 * 1. Re-check what the index said against the case as read: still waiting for staff, its
 *    dueAt still the one listed (`indexedDueAt`), and due at `now`. Anything else is a
 *    lost race or a stale index entry: SKIP, never a blind retry.
 * 2. Below the last level: ESCALATED one level up, dueAt = now + that level's minutes.
 * 3. At the last level: the policy's default resolution (see the module comment).
 * Each step advances the version by one and records one event with the rule, the missed
 * deadline, both levels and the policy version; a refund adds REFUND_DUE and an outbox record.
 */
export function planEscalation(
  existing: CaseRecord,
  input: { readonly indexedDueAt: string; readonly now: string; readonly policy: Policy; readonly actor?: Actor },
): EscalationPlan {
  const { caseId } = existing;
  if (!awaitingStaffStatuses.has(existing.status)) return { kind: 'SKIP', caseId, reason: 'NOT_AWAITING_STAFF' };
  if (existing.dueAt === undefined || existing.dueAt !== input.indexedDueAt) return { kind: 'SKIP', caseId, reason: 'DEADLINE_MOVED' };
  const nowMs = Date.parse(input.now);
  const deadlineMs = Date.parse(existing.dueAt);
  if (!(deadlineMs <= nowMs)) return { kind: 'SKIP', caseId, reason: 'NOT_DUE' };

  const actor = input.actor ?? ESCALATION_ACTOR;
  const rule = ruleFor({ ...existing, dueAt: existing.dueAt });
  const fromLevel = existing.escalationLevel;
  const toLevel = nextLevel[fromLevel];
  const version = existing.version + 1;
  const common = {
    rule,
    deadline: existing.dueAt,
    overdueMs: nowMs - deadlineMs,
    fromLevel,
    policyVersion: input.policy.version,
  };

  if (toLevel !== undefined) {
    assertTransition(existing.status, existing.status);
    const nextDueAt = new Date(nowMs + minutesFor(toLevel, input.policy) * MINUTE_MS).toISOString();
    const next: CaseRecord = { ...existing, version, updatedAt: input.now, escalationLevel: toLevel, dueAt: nextDueAt };
    const event: HistoryEvent = {
      caseId,
      version,
      seq: 0,
      at: input.now,
      actor,
      action: 'ESCALATED',
      fromStatus: existing.status,
      toStatus: existing.status,
      details: { ...common, toLevel, nextDueAt },
    };
    return { kind: 'ESCALATE', caseId, next, events: [event], rule, fromLevel, toLevel, deadline: common.deadline, overdueMs: common.overdueMs };
  }

  const configured = input.policy.defaultResolutionAfterLastLevel;
  const refundUnderWay = existing.refund !== undefined && existing.refund.status !== 'CANCELLED';
  const amount = existing.return.money.amountPaid;
  const buyerWins = configured !== 'HOLD_WITH_MANAGER';
  const heldBecause = !buyerWins ? undefined : refundUnderWay ? 'REFUND_ALREADY_UNDER_WAY' : amount <= 0 ? 'NOTHING_TO_REFUND' : undefined;
  const applied: DefaultResolution = buyerWins && heldBecause === undefined ? configured : 'HOLD_WITH_MANAGER';
  const base: CaseRecord = { ...withoutDueAt(existing), version, updatedAt: input.now };
  const details = {
    ...common,
    toLevel: fromLevel,
    resolution: applied,
    ...(applied === configured ? {} : { configuredResolution: configured, heldBecause }),
  };

  if (applied === 'HOLD_WITH_MANAGER') {
    assertTransition(existing.status, existing.status);
    const event: HistoryEvent = {
      caseId,
      version,
      seq: 0,
      at: input.now,
      actor,
      action: 'DEFAULT_RESOLUTION',
      fromStatus: existing.status,
      toStatus: existing.status,
      details,
    };
    return { kind: 'DEFAULT_RESOLUTION', caseId, next: base, events: [event], rule, fromLevel, toLevel: fromLevel, deadline: common.deadline, overdueMs: common.overdueMs, resolution: applied };
  }

  assertTransition(existing.status, 'REFUND_PENDING');
  const currency = existing.return.money.currency;
  const due = makeRefundDue({ ...base, ledger: defaultResolutionLedger(existing, applied) }, { amount, currency, now: input.now, actor, seq: 1 });
  const event: HistoryEvent = {
    caseId,
    version,
    seq: 0,
    at: input.now,
    actor,
    action: 'DEFAULT_RESOLUTION',
    fromStatus: existing.status,
    toStatus: 'REFUND_PENDING',
    details: { ...details, refundId: due.outbox.refundId, amount, currency },
  };
  return {
    kind: 'DEFAULT_RESOLUTION',
    caseId,
    next: due.next,
    events: [event, ...due.events],
    outbox: due.outbox,
    rule,
    fromLevel,
    toLevel: fromLevel,
    deadline: common.deadline,
    overdueMs: common.overdueMs,
    resolution: applied,
  };
}
