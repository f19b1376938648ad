import { createHash } from 'node:crypto';
import { IllegalTransitionError } from '../contract/errors.ts';
import type { Decision } from '../decision/decision-schema.ts';
import type { Priority } from '../contract/priorities.ts';
import type { Evidence, Inspection, ReplacementShipment, ReturnScan, ReturnV1 } from '../contract/return-payload.ts';
import type { RefundRelease } from '../decision/decision-schema.ts';

/**
 * The case: one marketplace return, its facts, its current decision and where it stands.
 * Pure model and state machine; persistence lives in an adapter.
 */

export const caseStatuses = [
  'RECEIVED',
  'DECIDED',
  'NEEDS_REVIEW',
  'AWAITING_RETURN',
  'REFUND_PENDING',
  'REFUNDED',
  'REJECTED',
  'CANCELLED',
  'CLOSED',
] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export const escalationLevels = ['AGENT', 'SUPERVISOR', 'MANAGER'] as const;
export type EscalationLevel = (typeof escalationLevels)[number];

/**
 * Allowed moves. A status may move to itself where a re-decision or an escalation keeps it
 * (the history still records the event). REFUND_PENDING → CANCELLED is further guarded by
 * the refund itself: only while no payment has started (see lifecycle.ts), because a refund
 * half-paid and half-cancelled is the one state this system must never reach.
 */
const transitions: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  RECEIVED: ['RECEIVED', 'DECIDED', 'NEEDS_REVIEW', 'AWAITING_RETURN', 'REFUND_PENDING', 'REJECTED', 'CANCELLED'],
  DECIDED: ['DECIDED', 'NEEDS_REVIEW', 'AWAITING_RETURN', 'REFUND_PENDING', 'REJECTED', 'CANCELLED', 'CLOSED'],
  NEEDS_REVIEW: ['NEEDS_REVIEW', 'DECIDED', 'AWAITING_RETURN', 'REFUND_PENDING', 'REJECTED', 'CANCELLED'],
  REJECTED: ['REJECTED', 'DECIDED', 'NEEDS_REVIEW', 'AWAITING_RETURN', 'REFUND_PENDING', 'CANCELLED', 'CLOSED'],
  // A refund that needs the goods back, held until its release condition (return-leg.ts):
  // released (REFUND_PENDING), re-decided on new facts, cancelled, or closed as not returned.
  AWAITING_RETURN: ['AWAITING_RETURN', 'REFUND_PENDING', 'DECIDED', 'NEEDS_REVIEW', 'REJECTED', 'CANCELLED', 'CLOSED'],
  // Back to a decision only when new facts withdraw a refund the worker has not claimed.
  REFUND_PENDING: ['REFUND_PENDING', 'REFUNDED', 'CANCELLED', 'DECIDED', 'NEEDS_REVIEW', 'REJECTED', 'AWAITING_RETURN'],
  // A staff top-up of a paid case: only the difference is made due (staff-actions.ts).
  REFUNDED: ['REFUNDED', 'REFUND_PENDING', 'CLOSED'],
  CANCELLED: [],
  CLOSED: [],
};

export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return transitions[from].includes(to);
}

/*
 * Named questions about a status. Workflow, use cases, adapters and the soak ask these
 * instead of spelling a set of statuses, so each rule has one place to change.
 */

/**
 * Terminal (CANCELLED, CLOSED): the state machine allows no move out, not even to itself,
 * so no event, staff action or sweep may change the case any more. Read from the
 * transitions above, so a new status cannot be terminal in one place and open in another.
 */
export function isTerminal(status: CaseStatus): boolean {
  return transitions[status].length === 0;
}

/**
 * Money moving or moved (REFUND_PENDING, REFUNDED): a refund is due or paid, so new facts
 * no longer lead to a new decision (only an unclaimed engine refund may still be withdrawn,
 * see lifecycle.ts), and the machine, not a person, is what the case waits for.
 */
export function isMoneyMoving(status: CaseStatus): boolean {
  return status === 'REFUND_PENDING' || status === 'REFUNDED';
}

/**
 * Open to a decision (RECEIVED, DECIDED, NEEDS_REVIEW, REJECTED): new facts or staff
 * evidence run the rule chain again, and staff may override. Everything that is neither
 * over nor paying out.
 */
export function isOpenToDecision(status: CaseStatus): boolean {
  return !isTerminal(status) && !isMoneyMoving(status);
}

/**
 * Awaiting staff (RECEIVED, DECIDED, NEEDS_REVIEW): the case waits for a person (a review,
 * an approval, a reship to send, a case to close). Only these carry a deadline that
 * escalation watches; a REFUND_PENDING case waits for the machine, which has its own alarms
 * (queue age, DLQ depth).
 */
export function isAwaitingStaff(status: CaseStatus): boolean {
  return status === 'RECEIVED' || isAwaitingApproval(status);
}

/**
 * Awaiting approval (DECIDED, NEEDS_REVIEW): a decision exists and waits for a person to
 * approve or change it; RECEIVED has no decision yet.
 */
export function isAwaitingApproval(status: CaseStatus): boolean {
  return status === 'DECIDED' || status === 'NEEDS_REVIEW';
}

/**
 * Awaiting the return (AWAITING_RETURN): a refund is decided but held until the goods come
 * back (functions/lib/workflow/return-leg.ts); the case waits for the buyer's parcel, watched
 * by the return-window deadline rather than by a staff deadline.
 */
export function isAwaitingReturn(status: CaseStatus): boolean {
  return status === 'AWAITING_RETURN';
}

/**
 * Watched by a deadline in the sparse due index: a case waiting for staff (escalation) or
 * for the buyer's return parcel (the return window). The sweep reads both.
 */
export function isWatchedByDeadline(status: CaseStatus): boolean {
  return isAwaitingStaff(status) || isAwaitingReturn(status);
}

/**
 * An appeal the marketplace requested and staff have not decided (#19). On a refunded case it
 * is what the case's deadline watches (the status stays REFUNDED: its money is not taken back).
 */
export function awaitsAppealDecision(c: Pick<CaseRecord, 'appealRequest' | 'appeal'>): boolean {
  return c.appealRequest !== undefined && c.appeal === undefined;
}

/** Throws IllegalTransitionError naming both states; never returns for an illegal move. */
export function assertTransition(from: CaseStatus, to: CaseStatus): void {
  if (!canTransition(from, to)) {
    throw new IllegalTransitionError(`A case in ${from} cannot move to ${to}`);
  }
}

export type Actor =
  | { readonly kind: 'MARKETPLACE'; readonly id: string }
  | { readonly kind: 'SYSTEM'; readonly id: string }
  | { readonly kind: 'STAFF'; readonly id: string; readonly role: string };

export type HistoryEvent = {
  readonly caseId: string;
  /** The case version this event produced; with `seq` it orders events within one write. */
  readonly version: number;
  readonly seq: number;
  readonly at: string;
  readonly actor: Actor;
  readonly action: string;
  readonly fromStatus: CaseStatus | null;
  readonly toStatus: CaseStatus;
  readonly details: Readonly<Record<string, unknown>>;
};

/** One line of who pays what for the current decision (the case's ledger). */
export type LedgerLine = {
  readonly kind: 'BUYER_REFUND' | 'DEDUCTION' | 'RETURN_SHIPPING' | 'RESHIP_SHIPPING' | 'CARRIER_CLAIM';
  readonly amount: number;
  readonly currency: string;
  /** Who pays now (makes the buyer whole, or pays the label). */
  readonly paidBy: 'SELLER' | 'BUYER' | 'CARRIER' | 'PLATFORM' | 'NONE';
  /** Who finally bears it, after any carrier claim. */
  readonly bornBy: 'SELLER' | 'BUYER' | 'CARRIER' | 'PLATFORM' | 'NONE';
  readonly note: string;
};

/** The refund a decision made due, and what became of it. */
export type RefundRecord = {
  readonly refundId: string;
  readonly amount: number;
  readonly currency: string;
  /**
   * HELD: decided, but waits for the goods (its `release` condition); not queued, cancellable.
   * PENDING: queued, nothing sent to the provider; cancellable.
   * APPLYING: the worker has claimed it and may be talking to the provider; not cancellable.
   * APPLIED: paid. CANCELLED: the return was cancelled before any payment started.
   * REFUSED: the payment provider refused it for good (a business reason, `refusal`), or no
   * payment of the order could take it: nothing was paid; the case waits for staff.
   */
  readonly status: 'HELD' | 'PENDING' | 'APPLYING' | 'APPLIED' | 'CANCELLED' | 'REFUSED';
  /** The payment it goes back to (provider and its reference), once the worker has chosen it. */
  readonly payment?: { readonly provider: string; readonly reference: string };
  /** Why it was REFUSED: our code or the provider's, and its words. */
  readonly refusal?: { readonly code: string; readonly detail: string };
  /** When the refund is released to the queue and why (the decision's refundRelease). */
  readonly release?: RefundRelease;
  /** Case version whose decision made the refund due. */
  readonly decidedAtVersion: number;
  readonly dueAt: string;
  readonly providerReference?: string;
  readonly appliedAt?: string;
};

export type CaseRecord = {
  readonly caseId: string;
  readonly marketplace: string;
  readonly marketplaceReturnId: string;
  readonly orderId: string;
  readonly sellerId: string;
  readonly status: CaseStatus;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** `occurredAt` of the newest marketplace event applied; older events are ignored. */
  readonly lastEventAt: string;
  readonly priority: Priority;
  readonly escalationLevel: EscalationLevel;
  /**
   * The next deadline while the case waits for staff (see isAwaitingStaff): the
   * first-response deadline at intake, then each escalation level's resolution deadline.
   */
  readonly dueAt?: string;
  /** Staff member the case is assigned to, if any. */
  readonly assignee?: string;
  readonly return: ReturnV1;
  /**
   * The current decision, with the trace of the rules that fired (decisionForCase); the full
   * trace of it and of earlier decisions stays in the history's DECISION_MADE events.
   */
  readonly decision?: Decision;
  readonly decisionCount?: number;
  /** Who pays what, itemised, from the current decision. */
  readonly ledger?: readonly LedgerLine[];
  readonly refund?: RefundRecord;
  /**
   * Evidence seller staff added (seller API). Kept apart from `return`, which is the
   * marketplace's snapshot and is replaced by each update; the rule chain sees both.
   */
  readonly staffEvidence?: readonly Evidence[];
  /** A staff approval or override of the current decision; cleared by a new engine decision. */
  readonly resolution?: StaffResolution;
  /**
   * A fresh engine recommendation made from facts that arrived after a staff decision, for
   * staff to confirm (review reason NEW_FACTS_AFTER_STAFF_DECISION); the staff decision and
   * any money it moved stand meanwhile.
   */
  readonly recommendation?: Decision;
  /** The replacement parcel of a reship, followed until delivered (reship.ts). */
  readonly replacement?: ReplacementShipment;
  /** The return parcel, its receipt and inspection (return-leg.ts). */
  readonly returnLeg?: ReturnLegState;
  /** Minor units paid to the buyer so far, over every refund applied (a top-up adds to it). */
  readonly refundedTotal?: number;
  /** Minor units refunded per payment (`provider:reference`), so no payment is refunded above its capture. */
  readonly refundedByPayment?: Readonly<Record<string, number>>;
  /** The claim on the carrier for the cost it bears (#19, workflow/carrier-claim.ts). */
  readonly carrierClaim?: CarrierClaim;
  /** The one appeal of the decision, decided by a role above the deciding one (#19, workflow/appeal.ts). */
  readonly appeal?: AppealRecord;
  /** The marketplace's `return.appealed`, re-opening the case for a role above the deciding one (#19). */
  readonly appealRequest?: { readonly at: string; readonly deliveryId: string; readonly appealedRole: 'agent' | 'supervisor' | 'manager' };
};

/** An appeal decided (#19): by whom, of whose decision, and what it changed. */
export type AppealRecord = {
  readonly at: string;
  readonly by: string;
  readonly role: 'agent' | 'supervisor' | 'manager';
  /** The role (or escalation level) whose decision was appealed. */
  readonly appealedRole: 'agent' | 'supervisor' | 'manager';
  /** CHANGED: a new outcome (overrideDecision); UPHELD: a refunded case asked for no more than was paid. */
  readonly outcome: 'CHANGED' | 'UPHELD';
  readonly remedy: string;
  readonly amount?: number;
  /** Minor units made due on top of what was paid (0: none). */
  readonly topUp: number;
  readonly version: number;
};

export const carrierClaimStates = ['TO_FILE', 'FILED', 'PAID', 'DENIED', 'EXPIRED'] as const;
export type CarrierClaimState = (typeof carrierClaimStates)[number];

/** What the sweep needs of a claim to know when it is due (the index entry carries it). */
export type CarrierClaimWatch = {
  readonly claimId: string;
  readonly state: CarrierClaimState;
  /** Last day to file with the carrier (shipment + the carrier's claim window). */
  readonly fileBy: string;
  /** When the sweep warns that the deadline nears. */
  readonly warnAt: string;
  readonly warnedAt?: string;
};

/**
 * A claim on the carrier for the cost the decision puts on it (#19): TO_FILE → FILED →
 * PAID | DENIED, or EXPIRED when nobody filed it by `fileBy` (the cost then falls back to
 * the seller in the ledger). Kept apart from the status machine: a claim is followed up
 * after the buyer was made whole, even on a closed case.
 */
export type CarrierClaim = CarrierClaimWatch & {
  readonly carrier: string;
  readonly trackingNumber?: string;
  /** Which parcel the carrier lost or damaged: the outbound one, or the buyer's return parcel. */
  readonly leg: 'OUTBOUND' | 'RETURN';
  /** What the carrier bears: the case's CARRIER_CLAIM ledger lines, minor units. */
  readonly amount: number;
  readonly currency: string;
  readonly shippedAt: string;
  /** The evidence packet for the carrier: references, not files. */
  readonly evidence: {
    readonly scans: readonly { readonly type: string; readonly at: string; readonly weightGrams?: number }[];
    readonly weights: { readonly atPickupGrams?: number; readonly atDeliveryGrams?: number };
    readonly photos: readonly { readonly evidenceId: string; readonly kind: string; readonly finding: string }[];
    readonly inspection?: { readonly outcome: string; readonly conditionGrade?: string; readonly inspectedAt: string };
  };
  /** The policy version whose carrier window set `fileBy`. */
  readonly policyVersion: string;
  readonly openedAt: string;
  readonly filedAt?: string;
  readonly filedBy?: string;
  /** The carrier's own reference for the filed claim. */
  readonly claimReference?: string;
  readonly settledAt?: string;
  /**
   * FILED or PAID: the carrier's share as a later decision set it, when it differs from the filed
   * `amount` (recorded, never applied to the filed claim: staff amend it with the carrier).
   */
  readonly shareSinceFiling?: number;
  /** PAID: what the carrier paid, minor units (at most `amount`). */
  readonly recoveredAmount?: number;
  readonly denialReason?: string;
  readonly expiredAt?: string;
};

/** What is known about the goods on their way back. */
export type ReturnLegState = {
  readonly carrier?: string;
  readonly trackingNumber?: string;
  /** Carrier scans of the return parcel, oldest first, without repeats. */
  readonly scans: readonly ReturnScan[];
  readonly receivedAt?: string;
  readonly inspection?: Inspection;
  /** Deadline for the buyer to ship (policy returnLeg.shipWithinDays after the hold). */
  readonly shipBy?: string;
};

/** What a staff member settled on for the current decision (seller API approve / override). */
export type StaffResolution = {
  readonly kind: 'APPROVED' | 'OVERRIDDEN';
  readonly remedy: string;
  /** Refund made due, minor units; absent when no money moves. */
  readonly amount?: number;
  readonly currency?: string;
  readonly by: Actor;
  readonly at: string;
  /** Case version this resolution was written at. */
  readonly version: number;
};

/** The return facts the rule chain weighs: the marketplace snapshot plus staff evidence. */
export function returnWithStaffEvidence(c: Pick<CaseRecord, 'return' | 'staffEvidence'>): ReturnV1 {
  if (c.staffEvidence === undefined || c.staffEvidence.length === 0) return c.return;
  return { ...c.return, evidence: [...c.return.evidence, ...c.staffEvidence] };
}

/**
 * A case id is derived from the marketplace and its return id, so two deliveries of the
 * same return race for the same key and a conditional write lets exactly one of them win.
 */
export function caseIdFor(marketplace: string, marketplaceReturnId: string): string {
  const digest = createHash('sha256').update(`${marketplace}\n${marketplaceReturnId}`).digest('hex');
  return `cs_${digest.slice(0, 24)}`;
}

export const CASE_ID_PATTERN = /^cs_[0-9a-f]{24}$/;
