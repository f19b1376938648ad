import { IllegalTransitionError } from '../contract/errors.ts';
import { MAX_TRACKING_EVENTS, type ReplacementShipment } from '../contract/return-payload.ts';
import type { Policy } from '../decision/policy.ts';
import { type Actor, assertTransition, type CaseRecord, type HistoryEvent, isTerminal } from './case.ts';
import { resolutionDueAt } from './service-levels.ts';
import { withFollowUp } from './follow-up.ts';

/**
 * A reship followed to the end (#15): the replacement parcel's tracking is recorded on the
 * case; its delivery resolves the case (CLOSED); a lost replacement, or one delivered after
 * the promised date, re-opens it for staff (NEEDS_REVIEW, the staff deadline restarted at the
 * case's level, the earlier staff decision consumed). Pure; the caller commits the result.
 */

export type ReplacementState = ReplacementShipment;

/** Whether the case's remedy is a reship (the engine's recommendation or what staff settled on). */
export function isReship(c: Pick<CaseRecord, 'decision' | 'resolution'>): boolean {
  return (c.resolution?.remedy ?? c.decision?.recommendedRemedy) === 'RESHIP';
}

function mergeReplacement(before: ReplacementState | undefined, update: ReplacementShipment): ReplacementState | undefined {
  const seen = new Set((before?.scans ?? []).map((s) => `${s.type}@${Date.parse(s.at)}`));
  const added = update.scans.filter((s) => {
    const key = `${s.type}@${Date.parse(s.at)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const scans = [...(before?.scans ?? []), ...added].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).slice(-MAX_TRACKING_EVENTS);
  const next: ReplacementState = {
    carrier: update.carrier,
    trackingNumber: update.trackingNumber,
    ...((update.promisedDeliveryAt ?? before?.promisedDeliveryAt) === undefined
      ? {}
      : { promisedDeliveryAt: (update.promisedDeliveryAt ?? before?.promisedDeliveryAt) as string }),
    scans,
  };
  const changed =
    before === undefined ||
    added.length > 0 ||
    before.carrier !== next.carrier ||
    before.trackingNumber !== next.trackingNumber ||
    before.promisedDeliveryAt !== next.promisedDeliveryAt;
  return changed ? next : undefined;
}

/**
 * Applies the replacement parcel to a case.
 *
 * Steps: refuse a case that is not a reship or is over (409, nothing written); merge;
 * nothing new → undefined; record (REPLACEMENT_RECORDED); delivered on time → CLOSED
 * (REPLACEMENT_DELIVERED); lost, or delivered after the promise → NEEDS_REVIEW
 * (REPLACEMENT_FAILED with the reason), for staff to decide again.
 */
export function applyReplacementShipment(
  existing: CaseRecord,
  update: ReplacementShipment,
  ctx: { readonly now: string; readonly policy: Policy; readonly actor: Actor; readonly details?: Record<string, unknown> },
): { next: CaseRecord; events: HistoryEvent[] } | undefined {
  if (isTerminal(existing.status)) {
    throw new IllegalTransitionError(`Case ${existing.caseId} is ${existing.status.toLowerCase()}: it takes no replacement shipment`);
  }
  if (!isReship(existing)) {
    throw new IllegalTransitionError(`Case ${existing.caseId} is not settled with a reship: it takes no replacement shipment`);
  }
  const replacement = mergeReplacement(existing.replacement, update);
  if (replacement === undefined) return undefined;
  const base: CaseRecord = { ...existing, version: existing.version + 1, updatedAt: ctx.now, replacement };
  const event = (seq: number, action: string, toStatus: CaseRecord['status'], details: Record<string, unknown>): HistoryEvent => ({
    caseId: base.caseId,
    version: base.version,
    seq,
    at: ctx.now,
    actor: ctx.actor,
    action,
    fromStatus: existing.status,
    toStatus,
    details,
  });
  const recorded = event(0, 'REPLACEMENT_RECORDED', existing.status, {
    ...(ctx.details ?? {}),
    carrier: replacement.carrier,
    scans: replacement.scans.length,
  });
  const delivered = replacement.scans.find((s) => s.type === 'DELIVERED');
  const lost = replacement.scans.find((s) => s.type === 'LOST');
  const promised = replacement.promisedDeliveryAt;
  const late = delivered !== undefined && promised !== undefined && Date.parse(delivered.at) > Date.parse(promised);
  if (lost !== undefined || late) {
    assertTransition(existing.status, 'NEEDS_REVIEW');
    const { resolution: _consumed, ...rest } = base;
    const next: CaseRecord = { ...rest, status: 'NEEDS_REVIEW', dueAt: resolutionDueAt(existing.escalationLevel, ctx.policy, ctx.now) };
    return {
      next,
      events: [
        recorded,
        event(1, 'REPLACEMENT_FAILED', 'NEEDS_REVIEW', {
          reason: lost !== undefined ? 'LOST' : 'LATE',
          ...(late ? { deliveredAt: delivered?.at, promisedDeliveryAt: promised } : {}),
        }),
      ],
    };
  }
  if (delivered !== undefined) {
    assertTransition(existing.status, 'CLOSED');
    const { dueAt: _resolved, ...rest } = base;
    return {
      next: { ...rest, status: 'CLOSED' },
      events: [recorded, event(1, 'REPLACEMENT_DELIVERED', 'CLOSED', { deliveredAt: delivered.at })],
    };
  }
  // Not there yet: followed up at the promised delivery (follow-up.ts).
  return { next: withFollowUp(base, ctx.policy), events: [recorded] };
}
