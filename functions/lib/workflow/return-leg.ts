import { ConflictError, IllegalTransitionError } from '../contract/errors.ts';
import { MAX_TRACKING_EVENTS, type Inspection, type ReturnScan } from '../contract/return-payload.ts';
import type { RefundRelease } from '../decision/decision-schema.ts';
import type { Facts } from '../decision/facts.ts';
import type { Policy } from '../decision/policy.ts';
import { type Actor, type CaseRecord, type HistoryEvent, isTerminal, type RefundRecord, type ReturnLegState } from './case.ts';

/**
 * The return leg: a refund that needs the goods back is HELD (case AWAITING_RETURN, no outbox
 * record, nothing queued) until its release condition holds, then released through the same
 * outbox, queue and worker as every refund (decision-step.ts makeRefundDue), exactly once: the
 * release is one conditional write of the case with its outbox record.
 *
 * | release mode        | released when                                               |
 * |---------------------|-------------------------------------------------------------|
 * | AT_DECISION         | decided (nothing comes back: full or partial refund)        |
 * | RETURNLESS          | decided (the goods are worth less than the trip back)       |
 * | FIRST_SCAN          | the return's first carrier scan (a trusted buyer)           |
 * | ON_RETURN_DELIVERED | the carrier delivers the return to the seller, or receipt   |
 * | ON_RECEIPT          | the seller records the receipt (policy default)             |
 * | ON_INSPECTION       | the returned item is inspected                              |
 *
 * An inspection implies receipt, and a receipt implies delivery and a first scan, so every
 * later step also satisfies the earlier modes. Pure; callers commit the result.
 */

/** What a marketplace event or a staff write adds to the return leg. */
export type ReturnLegUpdate = {
  readonly carrier?: string | undefined;
  readonly trackingNumber?: string | undefined;
  readonly scans?: readonly ReturnScan[] | undefined;
  readonly receivedAt?: string | undefined;
  readonly inspection?: Inspection | undefined;
};

const EMPTY_LEG: ReturnLegState = { scans: [] };
const DAY_MS = 86_400_000;

/** The buyer handed the parcel to a carrier (any scan but LOST), or it has arrived. */
export function isShipped(leg: ReturnLegState | undefined): boolean {
  if (leg === undefined) return false;
  return leg.receivedAt !== undefined || leg.inspection !== undefined || leg.scans.some((s) => s.type !== 'LOST');
}

/** Whether the release condition of `mode` holds for what is known of the return. */
export function releaseConditionMet(mode: RefundRelease['mode'], leg: ReturnLegState | undefined): boolean {
  const l = leg ?? EMPTY_LEG;
  const inspected = l.inspection !== undefined;
  const received = inspected || l.receivedAt !== undefined;
  switch (mode) {
    case 'AT_DECISION':
    case 'RETURNLESS':
      return true;
    case 'FIRST_SCAN':
      return isShipped(l);
    case 'ON_RETURN_DELIVERED':
      return received || l.scans.some((s) => s.type === 'DELIVERED_TO_SELLER');
    case 'ON_RECEIPT':
      return received;
    case 'ON_INSPECTION':
      return inspected;
  }
}

/** The return leg as the rule chain sees it (facts.returnLeg). */
export function returnLegFacts(leg: ReturnLegState | undefined): Facts['returnLeg'] {
  if (leg === undefined) return undefined;
  const inspection = leg.inspection;
  return {
    shipped: isShipped(leg),
    received: leg.receivedAt !== undefined || inspection !== undefined,
    ...(inspection === undefined
      ? {}
      : {
          inspection: {
            outcome: inspection.outcome,
            ...(inspection.conditionGrade === undefined ? {} : { conditionGrade: inspection.conditionGrade }),
          },
        }),
  };
}

/**
 * Merges an update into the leg. Scans are a set (type + time), oldest first, at most
 * MAX_TRACKING_EVENTS (the newest kept); carrier and tracking, receipt and inspection are
 * taken from the update when it has them (a later inspection replaces an earlier one).
 * Returns undefined when the update adds nothing.
 */
export function mergeReturnLeg(leg: ReturnLegState | undefined, update: ReturnLegUpdate): ReturnLegState | undefined {
  const before = leg ?? EMPTY_LEG;
  const seen = new Set(before.scans.map((s) => `${s.type}@${Date.parse(s.at)}`));
  const added = (update.scans ?? []).filter((s) => {
    const key = `${s.type}@${Date.parse(s.at)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const scans = [...before.scans, ...added]
    .map((s, i) => ({ s, i, at: Date.parse(s.at) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ s }) => ({ type: s.type, at: s.at }))
    .slice(-MAX_TRACKING_EVENTS);
  const next: ReturnLegState = {
    ...before,
    ...(update.carrier === undefined ? {} : { carrier: update.carrier }),
    ...(update.trackingNumber === undefined ? {} : { trackingNumber: update.trackingNumber }),
    scans,
    ...(before.receivedAt === undefined && update.receivedAt !== undefined ? { receivedAt: update.receivedAt } : {}),
    ...(update.inspection === undefined ? {} : { inspection: update.inspection }),
  };
  const changed =
    added.length > 0 ||
    next.carrier !== before.carrier ||
    next.trackingNumber !== before.trackingNumber ||
    next.receivedAt !== before.receivedAt ||
    JSON.stringify(next.inspection) !== JSON.stringify(before.inspection);
  return changed ? next : undefined;
}

/**
 * Refuses a return-leg update the case cannot take, before anything is computed or written:
 * a terminal case (cancelled, closed) takes none (409 naming its status); a receipt or an
 * inspection before any shipment is known, where the policy requires one (409).
 */
export function assertReturnLegUpdateAllowed(current: CaseRecord, update: ReturnLegUpdate, policy: Policy): void {
  if (isTerminal(current.status)) {
    const what = update.inspection !== undefined ? 'inspection' : update.receivedAt !== undefined ? 'receipt' : 'return shipment';
    throw new IllegalTransitionError(`Case ${current.caseId} is ${current.status.toLowerCase()}: it takes no ${what}`);
  }
  const arrives = update.receivedAt !== undefined || update.inspection !== undefined;
  const tracked =
    (current.returnLeg?.trackingNumber ?? update.trackingNumber) !== undefined ||
    (current.returnLeg?.scans.length ?? 0) + (update.scans?.length ?? 0) > 0 ||
    current.returnLeg?.receivedAt !== undefined;
  if (arrives && !tracked && policy.returnLeg.receiptRequiresShipment) {
    throw new ConflictError(
      `Case ${current.caseId} has no return shipment: the policy requires the return's carrier and tracking before its receipt`,
    );
  }
}

/** The deadline to ship, set once when a refund is first held (the decision time + policy days). */
export function shipByFor(c: Pick<CaseRecord, 'returnLeg'>, now: string, policy: Policy): string {
  return c.returnLeg?.shipBy ?? new Date(Date.parse(now) + policy.returnLeg.shipWithinDays * DAY_MS).toISOString();
}

/** When the parcel was first handed to a carrier: its earliest scan other than LOST. */
export function firstScanAt(leg: ReturnLegState | undefined): string | undefined {
  const scans = (leg?.scans ?? []).filter((s) => s.type !== 'LOST').map((s) => Date.parse(s.at));
  return scans.length === 0 ? undefined : new Date(Math.min(...scans)).toISOString();
}

/** Shipped but not arrived: on the carrier's hands (no receipt, no inspection, no delivery scan). */
export function isInTransit(leg: ReturnLegState | undefined): boolean {
  return isShipped(leg) && !releaseConditionMet('ON_RETURN_DELIVERED', leg);
}

/** The carrier declared the return parcel lost while it was in transit. */
export function isLostInTransit(leg: ReturnLegState | undefined): boolean {
  return isInTransit(leg) && (leg?.scans ?? []).some((s) => s.type === 'LOST');
}

/** The deadline for a parcel in transit to arrive: its first scan + the policy's days. */
export function arriveByFor(leg: ReturnLegState | undefined, policy: Policy): string | undefined {
  const first = firstScanAt(leg);
  if (first === undefined || !isInTransit(leg)) return undefined;
  return new Date(Date.parse(first) + policy.returnLeg.arriveWithinDays * DAY_MS).toISOString();
}

/**
 * The deadline a case holding a refund for the goods runs against: before shipping, the return
 * window's (reminder, then ship-by); in transit, the arrival deadline; once it has arrived, none
 * (the seller's receipt or inspection releases it).
 */
export function returnLegDueAt(leg: ReturnLegState, policy: Policy, windowDueAt?: string): string | undefined {
  if (!isShipped(leg)) return windowDueAt ?? returnWindowDueAt(leg, policy);
  return arriveByFor(leg, policy);
}

/** The first return-window deadline: the reminder (the sweep then moves it to the ship-by date). */
export function returnWindowDueAt(leg: ReturnLegState, policy: Policy): string | undefined {
  if (leg.shipBy === undefined || isShipped(leg)) return undefined;
  return new Date(Date.parse(leg.shipBy) - policy.returnLeg.reminderDaysBefore * DAY_MS).toISOString();
}

/**
 * Holds a RETURN_AND_REFUND refund on a case being written (version already advanced): the
 * refund record HELD with its release, the case AWAITING_RETURN with the return window's
 * deadline (while nothing has been shipped), and a REFUND_HELD event. No outbox record: the
 * refund is not owed to the queue until released.
 */
export function holdRefund(
  base: CaseRecord,
  input: {
    amount: number;
    currency: string;
    release: RefundRelease;
    refundId: string;
    now: string;
    actor: Actor;
    seq: number;
    policy: Policy;
    /** The return-window deadline the case already runs against (a re-decision keeps it, so no second reminder). */
    windowDueAt?: string | undefined;
  },
): { next: CaseRecord; events: HistoryEvent[] } {
  const refund: RefundRecord = {
    refundId: input.refundId,
    amount: input.amount,
    currency: input.currency,
    status: 'HELD',
    decidedAtVersion: base.version,
    dueAt: input.now,
    release: input.release,
  };
  const leg: ReturnLegState = { ...(base.returnLeg ?? EMPTY_LEG), shipBy: shipByFor(base, input.now, input.policy) };
  const dueAt = returnLegDueAt(leg, input.policy, input.windowDueAt);
  const { dueAt: _staffDeadline, ...rest } = base;
  const next: CaseRecord = { ...rest, status: 'AWAITING_RETURN', refund, returnLeg: leg, ...(dueAt === undefined ? {} : { dueAt }) };
  const events: HistoryEvent[] = [
    {
      caseId: base.caseId,
      version: base.version,
      seq: input.seq,
      at: input.now,
      actor: input.actor,
      action: 'REFUND_HELD',
      fromStatus: 'AWAITING_RETURN',
      toStatus: 'AWAITING_RETURN',
      details: {
        refundId: input.refundId,
        amount: input.amount,
        currency: input.currency,
        release: input.release,
        ...(leg.shipBy === undefined ? {} : { shipBy: leg.shipBy }),
      },
    },
  ];
  return { next, events };
}
