import { withFollowUp } from './follow-up.ts';
import type { StaffRole } from '../contract/roles.ts';
import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { assertRefundAuthority } from '../decision/authority.ts';
import { formatMoney } from '../contract/money.ts';
import { type Decision, isRefundRemedy, type RecommendedRemedy, type RefundRelease } from '../decision/decision-schema.ts';
import type { Policy } from '../decision/policy.ts';
import {
  type Actor,
  assertTransition,
  type CaseRecord,
  type CaseStatus,
  type HistoryEvent,
  isAwaitingApproval,
  isOpenToDecision,
  isTerminal,
  type StaffResolution,
} from './case.ts';
import { decideCase, ledgerFor, makeRefundDue, type OutboxRecord, refundDueOrHeld } from './decision-step.ts';
import { releaseConditionMet } from './return-leg.ts';
import type { LedgerLine } from './case.ts';
import { ConflictError, ForbiddenError, IllegalTransitionError, ValidationError } from '../contract/errors.ts';
import { type Evidence, EvidenceSchema, IdentifierSchema, MAX_STAFF_EVIDENCE } from '../contract/return-payload.ts';

/**
 * What seller staff do to a case, as pure functions of the case as read: add evidence,
 * approve or override the decision, add a note, assign. Each returns the next case state
 * (version advanced by one), the history events it appends and any refund outbox record; the
 * caller commits them in one conditional transaction and publishes the refund after it.
 */

export type StaffActor = Extract<Actor, { kind: 'STAFF' }>;

export type StaffActionContext = {
  readonly now: string;
  readonly actor: StaffActor;
  readonly role: StaffRole;
  /** The case's marketplace policy: rule chain settings and authority limits. */
  readonly policy: Policy;
};

export type StaffChange = {
  readonly next: CaseRecord;
  readonly events: HistoryEvent[];
  readonly outbox?: OutboxRecord;
};

/** Re-exported: the limit is part of the contract (return-payload.ts), enforced here per case. */
export { MAX_STAFF_EVIDENCE };

const staffEvidenceOptions = /* @__PURE__ */ (() =>
  EvidenceSchema._zod.def.options.map((option) =>
    z.extend(z.omit(option, { submittedBy: true, submittedAt: true }), {
      /** Optional: the service numbers evidence itself when absent. */
      id: z.optional(IdentifierSchema),
    }),
  ))();

/**
 * One piece of evidence as staff submit it: the webhook's evidence schema without
 * `submittedBy` and `submittedAt`, which the service sets (SELLER, now); a request cannot
 * pretend the buyer or the carrier submitted it.
 */
export const StaffEvidenceSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion(
    'kind',
    staffEvidenceOptions as unknown as [(typeof staffEvidenceOptions)[number], ...(typeof staffEvidenceOptions)[number][]],
  ))();
export type StaffEvidenceInput = z.infer<typeof StaffEvidenceSchema>;

/** The case as it will be written: next version, touched now. */
function advanced(current: CaseRecord, now: string): CaseRecord {
  return { ...current, version: current.version + 1, updatedAt: now };
}

function staffEvent(
  base: CaseRecord,
  ctx: StaffActionContext,
  fields: Pick<HistoryEvent, 'action' | 'fromStatus' | 'toStatus' | 'details'> & { seq?: number },
): HistoryEvent {
  const { seq = 0, ...rest } = fields;
  return { caseId: base.caseId, version: base.version, seq, at: ctx.now, actor: ctx.actor, ...rest };
}

/** Terminal cases (CANCELLED, CLOSED) take no more changes, not even to themselves. */
function assertOpen(current: CaseRecord, what: string): void {
  if (isTerminal(current.status)) {
    throw new IllegalTransitionError(`A case in ${current.status} cannot ${what}`);
  }
}

/**
 * Adds staff evidence and, while the case is still open to a decision, runs the rule chain
 * again over all evidence.
 *
 * Steps:
 * 1. A closed or cancelled case refuses (409); more than MAX_STAFF_EVIDENCE staff items on
 *    the case is 400 naming `evidence`; ids must be new on the case (409).
 * 2. Items get `submittedBy: SELLER`, `submittedAt: now` and, when absent, an id.
 * 3. EVIDENCE_ADDED is recorded; in RECEIVED / DECIDED / NEEDS_REVIEW / REJECTED the rule
 *    chain decides again (DECISION_MADE, maybe REFUND_DUE with its outbox record, exactly as
 *    on intake); once a refund is pending or paid the evidence is kept and the decision stands.
 */
export function addStaffEvidence(current: CaseRecord, items: readonly StaffEvidenceInput[], ctx: StaffActionContext): StaffChange {
  assertOpen(current, 'take more evidence');
  const existing = [...current.return.evidence, ...(current.staffEvidence ?? [])];
  const taken = new Set(existing.map((e) => e.id));
  const held = current.staffEvidence?.length ?? 0;
  if (held + items.length > MAX_STAFF_EVIDENCE) {
    // The cap keeps the case item under DynamoDB's 400 KB (see return-payload.ts); refused
    // before anything is computed or written, naming the field like any invalid body.
    throw new ValidationError(`Case ${current.caseId} cannot take this much evidence`, [
      {
        field: 'evidence',
        problem: `would bring the case to ${held + items.length} staff evidence items; a case takes at most ${MAX_STAFF_EVIDENCE} from staff (it holds ${held})`,
      },
    ]);
  }
  const base = advanced(current, ctx.now);
  const added: Evidence[] = items.map((item, i) => {
    const id = item.id ?? `staff-${base.version}-${i + 1}`;
    if (taken.has(id)) throw new ConflictError(`Evidence ${id} already exists on case ${current.caseId}`);
    taken.add(id);
    return { ...item, id, submittedBy: 'SELLER', submittedAt: ctx.now } as Evidence;
  });
  const withEvidence: CaseRecord = { ...base, staffEvidence: [...(current.staffEvidence ?? []), ...added] };
  const recorded = staffEvent(withEvidence, ctx, {
    action: 'EVIDENCE_ADDED',
    fromStatus: current.status,
    toStatus: current.status,
    details: { evidence: added },
  });
  if (!isOpenToDecision(current.status)) return { next: withEvidence, events: [recorded] };
  const decided = decideCase(withEvidence, {
    policy: ctx.policy,
    now: ctx.now,
    actor: ctx.actor,
    trigger: 'staff.evidence',
    firstSeq: 1,
    fromStatus: current.status,
  });
  return { next: decided.next, events: [recorded, ...decided.events], ...(decided.outbox ? { outbox: decided.outbox } : {}) };
}

/** Applies a staff resolution: the status it leads to, the refund it makes due, the end of its deadline. */
function resolve(
  current: CaseRecord,
  ctx: StaffActionContext,
  input: {
    kind: StaffResolution['kind'];
    remedy: RecommendedRemedy;
    refund?: { amount: number; currency: string };
    ledger: readonly LedgerLine[];
    details: Record<string, unknown>;
  },
): StaffChange {
  // A refund that needs the goods back is held for them, as the engine's would be.
  const release = input.refund === undefined ? undefined : staffRelease(current, input.remedy, ctx.policy);
  const held = release !== undefined && !releaseConditionMet(release.mode, current.returnLeg);
  const to: CaseStatus =
    input.refund !== undefined ? (held ? 'AWAITING_RETURN' : 'REFUND_PENDING') : input.remedy === 'REJECT' ? 'REJECTED' : 'DECIDED';
  assertTransition(current.status, to);
  if (input.refund !== undefined) assertRefundAuthority(ctx.role, input.refund, ctx.policy);
  // Staff answered and settled the case: no deadline watches it any more, so escalation
  // never moves it up, nor lets the buyer win by default on top of the remedy chosen here.
  // A recommendation flagged for staff is answered by whatever staff settle on now.
  const { dueAt: _answered, recommendation: _answeredToo, ...base } = advanced(current, ctx.now);
  const resolution: StaffResolution = {
    kind: input.kind,
    remedy: input.remedy,
    ...(input.refund === undefined ? {} : { amount: input.refund.amount, currency: input.refund.currency }),
    by: ctx.actor,
    at: ctx.now,
    version: base.version,
  };
  // A refund still held for the goods was the earlier decision's: withdrawn in this write.
  const heldBefore = base.refund?.status === 'HELD' ? base.refund : undefined;
  const resolved: CaseRecord = {
    ...base,
    status: to,
    resolution,
    ledger: input.ledger,
    ...(heldBefore === undefined ? {} : { refund: { ...heldBefore, status: 'CANCELLED' as const } }),
  };
  const events = [
    staffEvent(resolved, ctx, {
      action: input.kind === 'APPROVED' ? 'DECISION_APPROVED' : 'DECISION_OVERRIDDEN',
      fromStatus: current.status,
      toStatus: to,
      details: { remedy: input.remedy, ...(input.refund ?? {}), ...input.details },
    }),
  ];
  if (heldBefore !== undefined) {
    events.push(
      staffEvent(resolved, ctx, {
        action: 'REFUND_WITHDRAWN',
        fromStatus: to,
        toStatus: to,
        details: { refundId: heldBefore.refundId, reason: 'STAFF_DECISION' },
        seq: 1,
      }),
    );
  }
  // A reship or repair is followed to the end at its own time (follow-up.ts).
  if (input.refund === undefined) return { next: withFollowUp(resolved, ctx.policy), events };
  const due = refundDueOrHeld(resolved, {
    ...input.refund,
    release,
    now: ctx.now,
    actor: ctx.actor,
    seq: events.length,
    policy: ctx.policy,
  });
  return { next: due.next, events: [...events, ...due.events], ...(due.outbox === undefined ? {} : { outbox: due.outbox }) };
}

/**
 * When a refund staff settled on is released: a return and refund waits for the goods like
 * the engine's (its release, or the policy's mode when the engine chose another remedy);
 * anything else is paid when decided.
 */
function staffRelease(current: CaseRecord, remedy: RecommendedRemedy, policy: Policy): RefundRelease | undefined {
  if (remedy !== 'RETURN_AND_REFUND') return undefined;
  const engine = current.decision?.refundRelease;
  if (engine !== undefined && engine.mode !== 'AT_DECISION') return engine;
  const mode = policy.returnLeg.release.mode;
  return { mode, reason: `staff settled on a return and refund: released per policy (${mode})` };
}

/**
 * Approves the current decision's recommended remedy.
 *
 * Steps:
 * 1. Only a decision waiting for a person (DECIDED, NEEDS_REVIEW) can be approved (409).
 * 2. A refund remedy needs the caller's authority for the amount (403 naming the limit);
 *    it moves the case to REFUND_PENDING through makeRefundDue (refund record, REFUND_DUE,
 *    outbox record). REJECT moves it to REJECTED; any other remedy keeps it DECIDED.
 * 3. DECISION_APPROVED is recorded with the remedy and amount; the resolution is kept on the case.
 */
export function approveDecision(current: CaseRecord, ctx: StaffActionContext, input: { comment?: string | undefined } = {}): StaffChange {
  if (current.recommendation !== undefined) return confirmRecommendation(current, current.recommendation, ctx, input);
  const decision = current.decision;
  if (decision === undefined) throw new IllegalTransitionError(`Case ${current.caseId} has no decision to approve`);
  if (!isAwaitingApproval(current.status)) {
    throw new IllegalTransitionError(`A case in ${current.status} has no decision waiting for approval`);
  }
  const remedy = decision.recommendedRemedy;
  const paysMoney = isRefundRemedy(remedy) && decision.refund.amount > 0;
  return resolve(current, ctx, {
    kind: 'APPROVED',
    remedy,
    ...(paysMoney ? { refund: { amount: decision.refund.amount, currency: decision.refund.currency } } : {}),
    ledger: current.ledger ?? [],
    details: { decisionCount: current.decisionCount ?? 0, ...(input.comment === undefined ? {} : { comment: input.comment }) },
  });
}

/**
 * Approves a recommendation flagged for staff (new facts after a staff decision, #15 item 6):
 * the recommended remedy and amount are settled as an override would settle them (within the
 * caller's authority; a held refund withdrawn; a paid case only topped up by the difference,
 * never paid again), recorded as DECISION_APPROVED with `confirmed: RECOMMENDATION`, and the
 * recommendation becomes the case's decision (its cost bearer in the ledger).
 */
function confirmRecommendation(
  current: CaseRecord,
  recommendation: Decision,
  ctx: StaffActionContext,
  input: { comment?: string | undefined },
): StaffChange {
  const remedy = recommendation.recommendedRemedy;
  const amount = isRefundRemedy(remedy) && recommendation.refund.amount > 0 ? recommendation.refund.amount : undefined;
  const { recommendation: _confirmed, ...rest } = current;
  return settle({ ...rest, decision: recommendation }, ctx, {
    kind: 'APPROVED',
    remedy,
    amount,
    reason: input.comment ?? 'confirmed the recommendation made from new facts',
    details: { confirmed: 'RECOMMENDATION', ...(input.comment === undefined ? {} : { comment: input.comment }) },
  });
}

export type OverrideInput = {
  readonly remedy: RecommendedRemedy;
  readonly reason: string;
  /** Minor units in the return's currency; required for refund remedies, absent otherwise. */
  readonly amount?: number | undefined;
};

/**
 * Replaces the rule chain's recommendation with a staff member's own.
 *
 * Steps:
 * 1. Only a case still open to a decision (RECEIVED, DECIDED, NEEDS_REVIEW, REJECTED) can be
 *    overridden (409); money already moving is not re-decided here.
 * 2. A refund remedy needs an amount, never above the amount paid (400 naming `amount`), and
 *    the caller's authority for it (403 naming the limit).
 * 3. The ledger is recomputed for the chosen remedy and amount; DECISION_OVERRIDDEN records
 *    the reason and what was overridden; a refund becomes due through makeRefundDue.
 */
export function overrideDecision(current: CaseRecord, ctx: StaffActionContext, input: OverrideInput): StaffChange {
  return settle(current, ctx, { ...input, kind: 'OVERRIDDEN', details: {} });
}

/** A remedy and amount chosen by staff (an override, or an approved recommendation). */
function settle(
  current: CaseRecord,
  ctx: StaffActionContext,
  input: OverrideInput & { kind: StaffResolution['kind']; details: Record<string, unknown> },
): StaffChange {
  if (current.status === 'REFUNDED') return topUp(current, ctx, input);
  if (!isOpenToDecision(current.status)) {
    throw new IllegalTransitionError(`A case in ${current.status} can no longer be overridden`);
  }
  const money = current.return.money;
  let refund: { amount: number; currency: string } | undefined;
  if (isRefundRemedy(input.remedy)) {
    if (input.amount === undefined || input.amount <= 0) {
      throw new ValidationError('Invalid override', [{ field: 'amount', problem: `is required for ${input.remedy}` }]);
    }
    if (input.amount > money.amountPaid) {
      throw new ValidationError('Invalid override', [
        { field: 'amount', problem: `must not exceed the amount paid (${formatMoney(money.amountPaid, money.currency)})` },
      ]);
    }
    refund = { amount: input.amount, currency: money.currency };
  }
  return resolve(current, ctx, {
    kind: input.kind,
    remedy: input.remedy,
    ...(refund === undefined ? {} : { refund }),
    ledger: overrideLedger(current, input.remedy, refund),
    details: {
      ...input.details,
      reason: input.reason,
      previous: {
        remedy: current.decision?.remedy ?? null,
        recommendedRemedy: current.decision?.recommendedRemedy ?? null,
        status: current.status,
      },
    },
  });
}

/** The ledger of the decision as overridden: the chosen remedy and amount, the same cost bearer. */
/**
 * A staff override of a case already paid (#15): money paid is never paid again; only the
 * difference up to the new amount is made due, as a new refund through the outbox and the
 * worker (exactly once, like any refund). A lower amount, another remedy, or an amount at or
 * below what was paid is refused (409): nothing is clawed back here.
 */
function topUp(
  current: CaseRecord,
  ctx: StaffActionContext,
  input: OverrideInput & { kind: StaffResolution['kind']; details: Record<string, unknown> },
): StaffChange {
  const money = current.return.money;
  const paid = current.refundedTotal ?? (current.refund?.status === 'APPLIED' ? current.refund.amount : 0);
  if (!isRefundRemedy(input.remedy) || input.amount === undefined || input.amount <= paid) {
    throw new IllegalTransitionError(
      `Case ${current.caseId} is refunded (${formatMoney(paid, money.currency)} paid): only a refund above what was paid can be added, as a top-up of the difference`,
    );
  }
  if (input.amount > money.amountPaid) {
    throw new ValidationError('Invalid override', [
      { field: 'amount', problem: `must not exceed the amount paid (${formatMoney(money.amountPaid, money.currency)})` },
    ]);
  }
  const difference = { amount: input.amount - paid, currency: money.currency };
  assertRefundAuthority(ctx.role, { amount: input.amount, currency: money.currency }, ctx.policy);
  assertTransition(current.status, 'REFUND_PENDING');
  const { dueAt: _none, recommendation: _confirmed, ...base } = advanced(current, ctx.now);
  const resolution: StaffResolution = {
    kind: input.kind,
    remedy: input.remedy,
    amount: input.amount,
    currency: money.currency,
    by: ctx.actor,
    at: ctx.now,
    version: base.version,
  };
  // The buyer's refund in all; the top-up itself is the REFUND_DUE of the difference.
  const ledger = overrideLedger(current, input.remedy, { amount: input.amount, currency: money.currency });
  const resolved: CaseRecord = { ...base, status: 'REFUND_PENDING', resolution, ledger };
  const event = staffEvent(resolved, ctx, {
    action: input.kind === 'APPROVED' ? 'DECISION_APPROVED' : 'DECISION_OVERRIDDEN',
    fromStatus: current.status,
    toStatus: 'REFUND_PENDING',
    details: {
      ...input.details,
      remedy: input.remedy,
      amount: input.amount,
      alreadyPaid: paid,
      topUp: difference.amount,
      reason: input.reason,
    },
  });
  const due = makeRefundDue(resolved, { ...difference, now: ctx.now, actor: ctx.actor, seq: 1 });
  return { next: due.next, events: [event, ...due.events], outbox: due.outbox };
}

function overrideLedger(
  current: CaseRecord,
  remedy: RecommendedRemedy,
  refund: { amount: number; currency: string } | undefined,
): LedgerLine[] {
  const currency = current.return.money.currency;
  const decision: Decision | undefined = current.decision;
  if (decision === undefined) {
    return refund === undefined
      ? []
      : [
          {
            kind: 'BUYER_REFUND',
            amount: refund.amount,
            currency,
            paidBy: 'SELLER',
            bornBy: 'SELLER',
            note: `${remedy} by staff override`,
          },
        ];
  }
  const amount = refund?.amount ?? 0;
  return ledgerFor(
    {
      ...decision,
      outcome: 'DECIDED',
      remedy,
      recommendedRemedy: remedy,
      refund: { currency, gross: amount, deductions: [], amount },
      carrierClaim: decision.carrierClaim && remedy !== 'REJECT',
    },
    current.return,
  );
}

/** The longest note, in characters (UTF-16 code units: up to 6,000 bytes stored). */
export const MAX_NOTE_LENGTH = 2_000;

/** Appends a note to the history (any status: the record stays complete after closing). */
export function addNote(current: CaseRecord, ctx: StaffActionContext, input: { text: string }): StaffChange {
  const next = advanced(current, ctx.now);
  return {
    next,
    events: [
      staffEvent(next, ctx, { action: 'NOTE_ADDED', fromStatus: current.status, toStatus: current.status, details: { text: input.text } }),
    ],
  };
}

/**
 * Assigns the case to a staff member of the same seller, or releases it (`null`). The caller
 * has checked that the assignee belongs to the seller; this checks who may assign whom:
 * an agent takes an unassigned case (or one already theirs) for themself, or releases their
 * own; supervisors and managers assign anyone.
 */
export function assignCase(
  current: CaseRecord,
  ctx: StaffActionContext & { mayAssignOthers: boolean },
  input: { assignee: string | null },
): StaffChange {
  assertOpen(current, 'be assigned');
  if (!ctx.mayAssignOthers) {
    const self = ctx.actor.id;
    const takesForSelf = input.assignee === self && (current.assignee === undefined || current.assignee === self);
    const releasesOwn = input.assignee === null && current.assignee === self;
    if (!takesForSelf && !releasesOwn) {
      throw new AssignmentForbiddenError(
        `The ${ctx.role} role may only take an unassigned case for themself or release their own; a supervisor or manager assigns others`,
      );
    }
  }
  const base = advanced(current, ctx.now);
  const { assignee: _previous, ...rest } = base;
  const next: CaseRecord = input.assignee === null ? rest : { ...rest, assignee: input.assignee };
  return {
    next,
    events: [
      staffEvent(next, ctx, {
        action: input.assignee === null ? 'CASE_UNASSIGNED' : 'CASE_ASSIGNED',
        fromStatus: current.status,
        toStatus: current.status,
        details: { assignee: input.assignee, previousAssignee: current.assignee ?? null },
      }),
    ],
  };
}

/** An agent assigning someone else, or taking a case another member holds. */
export class AssignmentForbiddenError extends ForbiddenError {
  override readonly name = 'AssignmentForbiddenError';
}
