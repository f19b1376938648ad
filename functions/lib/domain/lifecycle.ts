import {
  type Actor,
  assertTransition,
  type CaseRecord,
  type CaseStatus,
  caseIdFor,
  type HistoryEvent,
} from './case.ts';
import { ConflictError } from './errors.ts';
import type { WebhookPayload } from './return-payload.ts';

/**
 * What a marketplace event does to a case, as a pure function of the case as read and the
 * event. The caller stores the result atomically, conditional on the version it read.
 */
export type LifecycleOutcome =
  | { readonly kind: 'CHANGE'; readonly next: CaseRecord; readonly events: readonly HistoryEvent[] }
  | { readonly kind: 'IGNORED'; readonly caseId: string; readonly reason: string; readonly status: CaseStatus | null };

type EventContext = { readonly marketplace: string; readonly now: string };

function event(
  base: CaseRecord,
  fields: Pick<HistoryEvent, 'action' | 'fromStatus' | 'toStatus' | 'details'> & { actor: Actor; seq: number },
  at: string,
): HistoryEvent {
  return { caseId: base.caseId, version: base.version, at, ...fields };
}

/**
 * Applies one canonical marketplace event.
 *
 * Steps:
 * 1. `return.requested` / `return.updated` on an unknown return create it: the marketplace
 *    sends full snapshots, so an update that overtook its request still carries everything.
 * 2. An event older than the newest one applied is ignored (out-of-order delivery).
 * 3. A snapshot replaces the stored return facts; `return.requested` for a known return is
 *    a duplicate and changes nothing.
 * 4. `return.cancelled` moves the case to CANCELLED where the state machine allows it and
 *    throws IllegalTransitionError where it does not (a refund already under way).
 */
export function applyMarketplaceEvent(
  existing: CaseRecord | undefined,
  payload: WebhookPayload,
  ctx: EventContext,
): LifecycleOutcome {
  const caseId = caseIdFor(ctx.marketplace, payload.return.marketplaceReturnId);
  const actor: Actor = { kind: 'MARKETPLACE', id: ctx.marketplace };
  const details = { deliveryId: payload.deliveryId, eventType: payload.eventType, occurredAt: payload.occurredAt };

  if (existing !== undefined && Date.parse(payload.occurredAt) < Date.parse(existing.lastEventAt)) {
    return { kind: 'IGNORED', caseId, reason: 'OLDER_THAN_APPLIED_EVENT', status: existing.status };
  }

  if (payload.eventType === 'return.cancelled') {
    if (existing === undefined) {
      return { kind: 'IGNORED', caseId, reason: 'UNKNOWN_RETURN', status: null };
    }
    if (existing.status === 'CANCELLED') {
      return { kind: 'IGNORED', caseId, reason: 'ALREADY_CANCELLED', status: existing.status };
    }
    assertTransition(existing.status, 'CANCELLED');
    const next: CaseRecord = {
      ...existing,
      status: 'CANCELLED',
      version: existing.version + 1,
      updatedAt: ctx.now,
      lastEventAt: payload.occurredAt,
    };
    return {
      kind: 'CHANGE',
      next,
      events: [
        event(next, { action: 'RETURN_CANCELLED', fromStatus: existing.status, toStatus: 'CANCELLED', details, actor, seq: 0 }, ctx.now),
      ],
    };
  }

  const ret = payload.return;
  if (existing === undefined) {
    const next: CaseRecord = {
      caseId,
      marketplace: ctx.marketplace,
      marketplaceReturnId: ret.marketplaceReturnId,
      orderId: ret.orderId,
      sellerId: ret.sellerId,
      status: 'RECEIVED',
      version: 1,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      lastEventAt: payload.occurredAt,
      priority: ret.safetyHazard === 'NONE' ? 'NORMAL' : 'URGENT',
      escalationLevel: 'AGENT',
      return: ret,
    };
    return {
      kind: 'CHANGE',
      next,
      events: [
        event(next, { action: 'CASE_RECEIVED', fromStatus: null, toStatus: 'RECEIVED', details: { ...details, reason: ret.reason }, actor, seq: 0 }, ctx.now),
      ],
    };
  }

  if (payload.eventType === 'return.requested') {
    return { kind: 'IGNORED', caseId, reason: 'RETURN_ALREADY_RECEIVED', status: existing.status };
  }
  if (existing.sellerId !== ret.sellerId || existing.orderId !== ret.orderId) {
    // A snapshot that moves a return to another seller or order is not an update.
    throw new ConflictError(
      `Return ${ret.marketplaceReturnId} belongs to another seller or order than the stored case`,
    );
  }
  assertTransition(existing.status, existing.status);
  const next: CaseRecord = {
    ...existing,
    version: existing.version + 1,
    updatedAt: ctx.now,
    lastEventAt: payload.occurredAt,
    priority: ret.safetyHazard === 'NONE' && existing.priority === 'NORMAL' ? 'NORMAL' : 'URGENT',
    return: ret,
  };
  return {
    kind: 'CHANGE',
    next,
    events: [
      event(next, { action: 'RETURN_UPDATED', fromStatus: existing.status, toStatus: existing.status, details, actor, seq: 0 }, ctx.now),
    ],
  };
}
