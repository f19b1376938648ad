import { createHash } from 'node:crypto';
import { outboundEventTypes } from '../contract/outbound-events.ts';
import { isRefundRemedy } from '../decision/decision-schema.ts';
import type { CaseRecord, CaseStatus, HistoryEvent } from './case.ts';

/**
 * Outbound notifications (#21): what the marketplace and the buyer are told about a case.
 *
 * Pure: from one committed write (the case as it now is and the history events the write
 * appended) to the notifications that write owes. The case store writes them in the same
 * transaction as the change itself (the outbox pattern the refunds use), so no change commits
 * without its notifications and no notification exists for a change that did not commit.
 * Delivery (signed webhooks, or Shopify's Admin API) is functions/lib/use-cases/deliver-notifications.ts;
 * the buyer-facing words are rendered at delivery, in the return's locale or the marketplace's
 * default (notification-text.ts), from the facts stored here.
 *
 * No personal data: only the marketplace's own references (return, order, seller), amounts
 * and dates. The buyer's reference and words never leave.
 */

/** The types (contract/outbound-events.ts, the published contract): what each is, there. */
export const notificationTypes = outboundEventTypes;
export type NotificationType = (typeof notificationTypes)[number];

/** Who a notification is about: the marketplace's own references, nothing personal. */
export type NotificationSubject = {
  readonly caseId: string;
  readonly marketplace: string;
  readonly sellerId: string;
  readonly marketplaceReturnId: string;
  readonly orderId: string;
  /** The return's locale (BCP 47), when the marketplace sent one. */
  readonly locale?: string;
};

/** The subject of a case. */
export function subjectOf(
  c: Pick<CaseRecord, 'caseId' | 'marketplace' | 'sellerId' | 'marketplaceReturnId' | 'orderId' | 'return'>,
): NotificationSubject {
  return {
    caseId: c.caseId,
    marketplace: c.marketplace,
    sellerId: c.sellerId,
    marketplaceReturnId: c.marketplaceReturnId,
    orderId: c.orderId,
    ...(c.return.locale === undefined ? {} : { locale: c.return.locale }),
  };
}

type Money = { readonly amount: number; readonly currency: string };

/** The facts of each notification type: what a marketplace acts on and the words are made from. */
export type NotificationData =
  | {
      readonly type: 'case.decided';
      readonly status: CaseStatus;
      readonly remedy: string;
      /** Who settled it: the rule chain, a staff member, an appeal, or the last escalation level's default. */
      readonly decidedBy: 'ENGINE' | 'STAFF' | 'APPEAL' | 'DEFAULT_RESOLUTION';
      readonly refund?: Money;
      readonly returnShippingPaidBy?: string;
      /** Set when the buyer must ship the goods back first: the last day to do so. */
      readonly shipBy?: string;
      readonly reasonCode?: string;
    }
  | { readonly type: 'case.in_review'; readonly status: CaseStatus; readonly answerBy?: string }
  | { readonly type: 'case.escalated'; readonly level: string; readonly answerBy?: string }
  | { readonly type: 'case.waiting_on_buyer'; readonly reason: 'SHIP_RETURN' | 'RETURN_REMINDER'; readonly shipBy?: string }
  | ({ readonly type: 'refund.released' | 'refund.paid'; readonly refundId: string } & Money)
  | { readonly type: 'return.received'; readonly receivedAt: string }
  | { readonly type: 'return.inspected'; readonly outcome: string; readonly inspectedAt: string }
  | { readonly type: 'case.closed'; readonly status: CaseStatus; readonly reason: string };

/** One notification as committed: delivered later, rendered in words at delivery. */
export type Notification = NotificationSubject & {
  /** Stable: the same write always owes the same id (the receivers' idempotency key). */
  readonly eventId: string;
  readonly type: NotificationType;
  readonly occurredAt: string;
  /** The case version whose write owes it; with `seq`, its order among the case's notifications. */
  readonly caseVersion: number;
  readonly seq: number;
  /** The case's status after the write that owed it. */
  readonly caseStatus: CaseStatus;
  readonly data: NotificationData;
};

/** The case after a write, as much as the writer knows (a patch knows only what it sets). */
export type CaseAfter = Pick<CaseRecord, 'status' | 'version' | 'escalationLevel'> &
  Partial<Pick<CaseRecord, 'dueAt' | 'decision' | 'resolution' | 'refund' | 'returnLeg' | 'ledger'>>;

const DECIDING_ACTIONS: Readonly<Record<string, Extract<NotificationData, { type: 'case.decided' }>['decidedBy']>> = {
  DECISION_MADE: 'ENGINE',
  DECISION_APPROVED: 'STAFF',
  DECISION_OVERRIDDEN: 'STAFF',
  APPEAL_DECIDED: 'APPEAL',
  DEFAULT_RESOLUTION: 'DEFAULT_RESOLUTION',
};

/** Where a decision has taken effect; DECIDED and NEEDS_REVIEW still wait for a person. */
const IN_EFFECT: ReadonlySet<CaseStatus> = new Set(['AWAITING_RETURN', 'REFUND_PENDING', 'REFUNDED', 'REJECTED', 'CLOSED']);
const WAITING_FOR_STAFF: ReadonlySet<CaseStatus> = new Set(['RECEIVED', 'DECIDED', 'NEEDS_REVIEW']);

export function notificationId(caseId: string, caseVersion: number, type: NotificationType): string {
  return `ntf_${createHash('sha256').update(`${caseId}\n${caseVersion}\n${type}`).digest('hex').slice(0, 24)}`;
}

/**
 * The notifications one write owes, in the order of its events, at most one per type.
 *
 * - `case.decided`: an engine decision that took effect by itself (the case left the staff
 *   queue), or any staff approval or override, appeal decision or default resolution.
 * - `case.in_review`: the case entered the staff queue (DECIDED or NEEDS_REVIEW) from elsewhere.
 * - `case.escalated`: ESCALATED. `case.waiting_on_buyer`: a refund now held for the goods, or
 *   the return-window reminder.
 * - `refund.released`: REFUND_DUE or REFUND_RELEASED (the refund is on its way to the provider);
 *   `refund.paid`: REFUND_APPLIED.
 * - `return.received` / `return.inspected`: a recorded return leg with a receipt / a new inspection.
 * - `case.closed`: the case moved into CLOSED or CANCELLED.
 */
export function notificationsFor(subject: NotificationSubject, after: CaseAfter, events: readonly HistoryEvent[]): Notification[] {
  const owed = new Map<NotificationType, { at: string; data: NotificationData }>();
  const owe = (at: string, data: NotificationData) => {
    if (!owed.has(data.type)) owed.set(data.type, { at, data });
  };
  for (const event of events) {
    const decidedBy = DECIDING_ACTIONS[event.action];
    if (decidedBy !== undefined && (decidedBy !== 'ENGINE' || IN_EFFECT.has(event.toStatus))) {
      owe(event.at, decided(after, event, decidedBy));
    }
    if (
      (event.toStatus === 'DECIDED' || event.toStatus === 'NEEDS_REVIEW') &&
      (event.fromStatus === null || !WAITING_FOR_STAFF.has(event.fromStatus) || event.fromStatus === 'RECEIVED')
    ) {
      owe(event.at, { type: 'case.in_review', status: event.toStatus, ...(after.dueAt === undefined ? {} : { answerBy: after.dueAt }) });
    }
    switch (event.action) {
      case 'ESCALATED':
        owe(event.at, {
          type: 'case.escalated',
          level: after.escalationLevel,
          ...(after.dueAt === undefined ? {} : { answerBy: after.dueAt }),
        });
        break;
      case 'RETURN_REMINDER_SENT':
        owe(event.at, { type: 'case.waiting_on_buyer', reason: 'RETURN_REMINDER', ...shipByOf(after) });
        break;
      case 'REFUND_DUE':
      case 'REFUND_RELEASED':
      case 'REFUND_APPLIED': {
        const refund = refundOf(after, event);
        if (refund !== undefined) owe(event.at, { type: event.action === 'REFUND_APPLIED' ? 'refund.paid' : 'refund.released', ...refund });
        break;
      }
      case 'RETURN_LEG_RECORDED': {
        const receivedAt = event.details.receivedAt;
        if (typeof receivedAt === 'string') owe(event.at, { type: 'return.received', receivedAt });
        const inspection = event.details.inspection as { outcome?: unknown; inspectedAt?: unknown } | undefined;
        if (typeof inspection?.outcome === 'string' && typeof inspection.inspectedAt === 'string') {
          owe(event.at, { type: 'return.inspected', outcome: inspection.outcome, inspectedAt: inspection.inspectedAt });
        }
        break;
      }
    }
    if (event.toStatus === 'AWAITING_RETURN' && event.fromStatus !== 'AWAITING_RETURN') {
      owe(event.at, { type: 'case.waiting_on_buyer', reason: 'SHIP_RETURN', ...shipByOf(after) });
    }
    if ((event.toStatus === 'CLOSED' || event.toStatus === 'CANCELLED') && event.fromStatus !== event.toStatus) {
      owe(event.at, { type: 'case.closed', status: event.toStatus, reason: event.action });
    }
  }
  return [...owed.values()].map(({ at, data }, seq) => ({
    ...subject,
    eventId: notificationId(subject.caseId, after.version, data.type),
    type: data.type,
    occurredAt: at,
    caseVersion: after.version,
    seq,
    caseStatus: after.status,
    data,
  }));
}

function shipByOf(after: CaseAfter): { shipBy?: string } {
  const shipBy = after.returnLeg?.shipBy;
  return shipBy === undefined ? {} : { shipBy };
}

function refundOf(after: CaseAfter, event: HistoryEvent): ({ refundId: string } & Money) | undefined {
  const { refundId, amount, currency } = event.details as { refundId?: unknown; amount?: unknown; currency?: unknown };
  if (typeof refundId === 'string' && typeof amount === 'number' && typeof currency === 'string') return { refundId, amount, currency };
  const refund = after.refund;
  if (refund === undefined) return undefined;
  return { refundId: refund.refundId, amount: refund.amount, currency: refund.currency };
}

function decided(
  after: CaseAfter,
  event: HistoryEvent,
  decidedBy: Extract<NotificationData, { type: 'case.decided' }>['decidedBy'],
): NotificationData {
  const detailRemedy = typeof event.details.remedy === 'string' ? event.details.remedy : undefined;
  const remedy = after.resolution?.remedy ?? detailRemedy ?? after.decision?.remedy ?? 'UNKNOWN';
  const refund: Money | undefined = !isRefundRemedy(remedy)
    ? undefined
    : after.resolution?.amount !== undefined && after.resolution.currency !== undefined
      ? { amount: after.resolution.amount, currency: after.resolution.currency }
      : after.refund !== undefined
        ? { amount: after.refund.amount, currency: after.refund.currency }
        : after.decision !== undefined
          ? { amount: after.decision.refund.amount, currency: after.decision.refund.currency }
          : undefined;
  const returnShipping = after.ledger?.find((line) => line.kind === 'RETURN_SHIPPING');
  const returnShippingPaidBy = returnShipping?.paidBy ?? after.decision?.returnShippingPaidBy;
  return {
    type: 'case.decided',
    // Where the whole write left the case (an appeal's marker event comes before its status move).
    status: after.status,
    remedy,
    decidedBy,
    ...(refund === undefined ? {} : { refund }),
    ...(returnShippingPaidBy === undefined ? {} : { returnShippingPaidBy }),
    ...(after.status === 'AWAITING_RETURN' ? shipByOf(after) : {}),
    ...(after.decision === undefined ? {} : { reasonCode: after.decision.primaryReasonCode }),
  };
}
