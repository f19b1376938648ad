import { type CaseStatus, caseIdFor } from '../workflow/case.ts';
import type { HistoryEvent } from '../workflow/case.ts';
import {
  ConcurrentModificationError,
  ConflictError,
  DomainError,
  DuplicateDeliveryError,
  NotFoundError,
  PayloadTooLargeError,
  SignatureError,
  ValidationError,
} from '../contract/errors.ts';
import { futureTimeIssues } from '../contract/event-times.ts';
import { applyMarketplaceEvent, type LifecycleOutcome } from '../workflow/lifecycle.ts';
import type { EventType, WebhookPayload } from '../contract/return-payload.ts';
import type { Policy } from '../decision/policy.ts';
import type {
  DeliveryLogContext,
  InboundWebhook,
  MarketplaceAdapter,
  MarketplaceRegistry,
  ParsedDelivery,
} from '../ports/marketplace-adapter.ts';
import type { CaseStore, DeliveryRecord, HeldEvents } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import type { WebhookSecrets } from '../ports/webhook-secrets.ts';
import { type PublishOutcome, publishRefund } from './publish-refund.ts';
import type { MarketplaceOrderReader } from '../ports/marketplace-order-reader.ts';

export const MAX_WEBHOOK_BYTES = 256 * 1024;
const MAX_ATTEMPTS = 8;

export type ReceiveWebhookDeps = {
  readonly store: CaseStore;
  readonly secrets: WebhookSecrets;
  readonly policies: PolicyProvider;
  readonly refunds: RefundQueue;
  readonly clock: Clock;
  /** Which format each marketplace speaks (functions/lib/marketplaces/index.ts builds it). */
  readonly marketplaces: MarketplaceRegistry;
  /** Waits between optimistic-concurrency retries; injectable so tests need not sleep. */
  readonly backoff?: (attempt: number) => Promise<void>;
  /**
   * Reads marketplace orders, for adapters that complete a new case from the marketplace's
   * API (Shopify, #16). Absent: cases start with what the webhook carries.
   */
  readonly orders?: MarketplaceOrderReader;
};

export type ReceiveWebhookInput = {
  readonly marketplace: string;
  readonly rawBody: string;
  /** The request headers, names lower-case (as API Gateway passes them). */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** The canonical `X-Signature` alone; used when `headers` is absent. */
  readonly signatureHeader?: string | undefined;
};

export type ReceiveWebhookResult = {
  /** Empty when the delivery was acknowledged without concerning a case (an unsupported topic). */
  readonly caseId: string;
  readonly status: CaseStatus | null;
  /** True when nothing was written because this delivery or event was already applied. */
  readonly duplicate: boolean;
  readonly ignoredReason?: string;
  /**
   * True when the delivery arrived before the return it is about: it is kept and applied
   * when the return arrives (the case is then born with it).
   */
  readonly held?: boolean;
  /** Set when this delivery made a refund due: whether it reached the queue already. */
  readonly refund?: { readonly refundId: string; readonly publish: PublishOutcome };
  readonly payload: { readonly eventType: EventType | null; readonly deliveryId: string };
  /** The adapter's format and the marketplace's own delivery identifiers, for logs. */
  readonly source: { readonly format: string } & DeliveryLogContext;
};

const defaultBackoff = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));

function lowerCaseHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/**
 * Receives one signed marketplace delivery and applies it to its case.
 *
 * Steps:
 * 1. Refuse unknown marketplaces (404), oversized bodies (413) and bad signatures (401),
 *    verified the way the marketplace's adapter says, before reading the body, so nothing
 *    unauthenticated is parsed.
 * 2. The adapter parses and validates headers and body (400 naming the field or header),
 *    or acknowledges a delivery this service does not act on (nothing read or written). A
 *    delivery whose body names no return is located through the marketplace's API (after
 *    the duplicate check, so a re-sent delivery asks nothing); without that API, or for a
 *    return the marketplace does not know, it is acknowledged and ignored.
 * 3. A delivery id (or one of its aliases) already recorded answers with its case, writing
 *    nothing (the adapter chooses the ids, so one event delivered twice maps to one id).
 * 4. Read the case, let the adapter translate the delivery into the canonical payload
 *    (formats that send deltas merge onto the case as read); event times later than now
 *    plus the allowed skew are refused (400 naming the field).
 * 5. A delivery about a return not received yet (a cancellation, a delta) is held, not
 *    dropped (holdEarlyEvent). A delivery that creates the case replays every held event
 *    onto it, in arrival order, in the same write (createCase): a return cancelled before
 *    its request arrived is born cancelled and pays nothing.
 * 6. Otherwise apply the event (pure: new facts run the rule chain) and commit case +
 *    history + delivery record + refund outbox record in one transaction conditional on
 *    the version read; a lost race re-reads and translates again, so concurrent deliveries
 *    of one return end with exactly one case and at most one refund.
 * 7. After the commit, publish a refund that became due (the outbox relay retries failures).
 */
export async function receiveWebhook(deps: ReceiveWebhookDeps, input: ReceiveWebhookInput): Promise<ReceiveWebhookResult> {
  const { store, secrets, clock } = deps;
  const backoff = deps.backoff ?? defaultBackoff;

  const marketplaceSecrets = await secrets.secretsFor(input.marketplace);
  if (marketplaceSecrets === undefined) {
    throw new NotFoundError(`Unknown marketplace '${input.marketplace}'`);
  }
  if (Buffer.byteLength(input.rawBody, 'utf8') > MAX_WEBHOOK_BYTES) {
    throw new PayloadTooLargeError(`Webhook body exceeds ${MAX_WEBHOOK_BYTES} bytes`);
  }
  const adapter = deps.marketplaces.adapterFor(input.marketplace);
  const request: InboundWebhook = {
    headers: input.headers === undefined ? { 'x-signature': input.signatureHeader } : lowerCaseHeaders(input.headers),
    rawBody: input.rawBody,
  };
  const check = adapter.verify(request, marketplaceSecrets, Math.floor(clock.now().getTime() / 1000));
  if (!check.ok) {
    throw new SignatureError(`Webhook signature rejected: ${check.reason}`, check.reason);
  }

  const first = adapter.parse(request, { marketplace: input.marketplace, receivedAt: clock.now().toISOString() });
  const source = { format: adapter.format, ...first.log };
  if (first.kind === 'UNLOCATED') {
    // Only the marketplace's API knows the return: a delivery already applied is answered
    // without asking it (duplicate storms cost no API calls).
    const seen = await firstRecorded(store, input.marketplace, [first.deliveryId, ...(first.aliases ?? [])]);
    if (seen !== undefined) {
      return duplicateOf(seen, first.fingerprint, { eventType: first.eventType, deliveryId: first.deliveryId }, source, store);
    }
  }
  const parsed =
    first.kind !== 'UNLOCATED'
      ? first
      : adapter.locate === undefined || deps.orders === undefined
        ? ({ kind: 'IGNORE', reason: 'RETURN_NOT_LOCATABLE', deliveryId: first.deliveryId, log: first.log } as const)
        : await adapter.locate(first, deps.orders);
  if (parsed.kind === 'IGNORE') {
    return {
      caseId: '',
      status: null,
      duplicate: true,
      ignoredReason: parsed.reason,
      payload: { eventType: null, deliveryId: parsed.deliveryId },
      source,
    };
  }
  const summary = { eventType: parsed.eventType, deliveryId: parsed.deliveryId };
  const caseId = caseIdFor(input.marketplace, parsed.marketplaceReturnId);
  const respond = (
    fields: Pick<ReceiveWebhookResult, 'caseId' | 'status' | 'duplicate'> & Partial<ReceiveWebhookResult>,
  ): ReceiveWebhookResult => ({
    ...fields,
    payload: summary,
    source,
  });

  for (let attempt = 0; ; attempt++) {
    const seen = await firstRecorded(store, input.marketplace, [parsed.deliveryId, ...(parsed.aliases ?? [])]);
    if (seen !== undefined) return duplicateOf(seen, parsed.fingerprint, summary, source, store);

    const now = clock.now().toISOString();
    const existing = await store.getCase(caseId);
    const held = existing === undefined ? await store.getHeldEvents(caseId) : undefined;
    let translation = adapter.translate(parsed, { marketplace: input.marketplace, receivedAt: now, existing });
    if (translation.kind === 'IGNORE') {
      return respond({ caseId, status: existing?.status ?? null, duplicate: true, ignoredReason: translation.reason });
    }
    if (
      translation.kind === 'PAYLOAD' &&
      existing === undefined &&
      (translation.payload.eventType === 'return.requested' || translation.payload.eventType === 'return.updated') &&
      adapter.enrich !== undefined &&
      deps.orders !== undefined
    ) {
      // A new case from a format without money or dates: completed from the marketplace's API
      // before anything is written (a failure is a 503 and Shopify delivers again).
      translation = { kind: 'PAYLOAD', payload: await adapter.enrich(translation.payload, parsed, deps.orders) };
    }
    if (translation.kind === 'PAYLOAD') {
      assertSameDelivery(translation.payload, parsed.deliveryId, caseId, input.marketplace);
      const late = futureTimeIssues(translation.payload, clock.now().getTime());
      if (late.length > 0) throw new ValidationError('Event times must not lie in the future', late);
    }
    const delivery = {
      marketplace: input.marketplace,
      deliveryId: parsed.deliveryId,
      caseId,
      payloadHash: parsed.fingerprint,
      receivedAt: now,
    };
    try {
      if (held !== undefined && (translation.kind === 'AWAIT_RETURN' || translation.payload.eventType === 'return.cancelled')) {
        await holdEarlyEvent(store, { parsed, held, delivery });
        return respond({ caseId, status: null, duplicate: false, held: true });
      }
      if (translation.kind === 'AWAIT_RETURN') {
        throw new Error(`Adapter ${adapter.format} awaited a return that exists (${caseId})`);
      }
      const ctx = {
        marketplace: input.marketplace,
        now,
        policy: deps.policies.policyFor(input.marketplace, translation.payload.return.sellerId),
      };
      const outcome =
        held === undefined
          ? applyMarketplaceEvent(existing, translation.payload, ctx)
          : createCase(translation.payload, held, { ...ctx, adapter });
      if (outcome.kind === 'IGNORED') {
        return respond({ caseId: outcome.caseId, status: outcome.status, duplicate: true, ignoredReason: outcome.reason });
      }
      await store.commit({
        next: outcome.next,
        expectedVersion: existing?.version ?? 0,
        events: outcome.events,
        delivery,
        ...(parsed.aliases === undefined ? {} : { deliveryAliases: parsed.aliases }),
        ...(held === undefined ? {} : { consumeHeld: { version: held.version, seqs: held.events.map((e) => e.seq) } }),
        ...(outcome.outbox === undefined ? {} : { outbox: outcome.outbox }),
        ...(outcome.clearOutbox === undefined ? {} : { clearOutbox: outcome.clearOutbox }),
      });
      const result = respond({ caseId: outcome.next.caseId, status: outcome.next.status, duplicate: false });
      if (outcome.outbox === undefined) return result;
      const publish = await publishRefund(deps, outcome.outbox);
      return { ...result, refund: { refundId: outcome.outbox.refundId, publish } };
    } catch (error) {
      if (error instanceof DuplicateDeliveryError) continue; // step 3 answers on the next pass
      if (error instanceof ConcurrentModificationError && attempt + 1 < MAX_ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      throw error;
    }
  }
}

/** How many early events one return may collect before further ones are refused (409). */
export const MAX_HELD_EVENTS = 16;
/**
 * How long an early event is remembered: longer than the longest return window the
 * contract allows (365 days, `listing.returnWindowDays`), so a request that comes at all
 * finds it.
 */
export const HELD_EVENT_RETENTION_DAYS = 400;

/** Holds a delivery that arrived before its return; conditional on the case still not existing. */
async function holdEarlyEvent(
  store: CaseStore,
  input: { parsed: ParsedDelivery; held: HeldEvents; delivery: DeliveryRecord },
): Promise<void> {
  const { parsed, held, delivery } = input;
  if (held.events.length >= MAX_HELD_EVENTS) {
    throw new ConflictError(
      `Return ${parsed.marketplaceReturnId} has not been requested yet and already has ${MAX_HELD_EVENTS} events waiting for it`,
    );
  }
  const seq = (held.events.at(-1)?.seq ?? 0) + 1;
  await store.holdEvent({
    event: {
      caseId: delivery.caseId,
      seq,
      marketplace: delivery.marketplace,
      deliveryId: parsed.deliveryId,
      eventType: parsed.eventType,
      receivedAt: delivery.receivedAt,
      parsed: JSON.stringify(parsed),
    },
    expectedVersion: held.version,
    deliveries: [delivery, ...(parsed.aliases ?? []).map((deliveryId) => ({ ...delivery, deliveryId }))],
    expiresAt: Math.floor(Date.parse(delivery.receivedAt) / 1000) + HELD_EVENT_RETENTION_DAYS * 86_400,
  });
}

/**
 * The outcome of the delivery that creates a case, with every held event replayed onto it
 * in arrival order, as one change at version 1. A held event the adapter or the lifecycle
 * refuses now (another seller, older than the request) does not stop the case: its refusal
 * is recorded in the history, so the record says what arrived and why it did not count.
 */
function createCase(
  payload: WebhookPayload,
  held: HeldEvents,
  ctx: { marketplace: string; now: string; policy: Policy; adapter: MarketplaceAdapter },
): LifecycleOutcome {
  const first = applyMarketplaceEvent(undefined, payload, ctx);
  if (first.kind === 'IGNORED' || held.events.length === 0) return first;
  let current = first.next;
  const events: HistoryEvent[] = [...first.events];
  let outbox = first.outbox;
  const actor = { kind: 'MARKETPLACE' as const, id: ctx.marketplace };
  for (const heldEvent of held.events) {
    const parsedHeld = JSON.parse(heldEvent.parsed) as ParsedDelivery;
    const heldDetails = { deliveryId: heldEvent.deliveryId, eventType: heldEvent.eventType, heldSince: heldEvent.receivedAt };
    const note = (reason: string) =>
      events.push({
        caseId: current.caseId,
        version: 1,
        seq: events.length,
        at: ctx.now,
        actor,
        action: 'HELD_EVENT_NOT_APPLIED',
        fromStatus: current.status,
        toStatus: current.status,
        details: { ...heldDetails, reason },
      });
    let step: LifecycleOutcome;
    try {
      const translation = ctx.adapter.translate(parsedHeld, { marketplace: ctx.marketplace, receivedAt: ctx.now, existing: current });
      if (translation.kind !== 'PAYLOAD') {
        note(translation.kind === 'IGNORE' ? translation.reason : 'UNKNOWN_RETURN');
        continue;
      }
      // Replayed onto the case as it stands within this write: one version, events in order.
      step = applyMarketplaceEvent({ ...current, version: 0 }, translation.payload, ctx);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      note(error.code);
      continue;
    }
    if (step.kind === 'IGNORED') {
      note(step.reason);
      continue;
    }
    for (const e of step.events) {
      events.push({ ...e, version: 1, seq: events.length, details: { ...e.details, ...heldDetails, arrivedBeforeTheReturn: true } });
    }
    current = step.next;
    // Refunds made or withdrawn within this write never reached the table: only the refund
    // the case ends with needs an outbox record.
    outbox = step.outbox ?? outbox;
  }
  const pending = current.refund?.status === 'PENDING' && outbox?.refundId === current.refund.refundId ? outbox : undefined;
  return { kind: 'CHANGE', next: current, events, ...(pending === undefined ? {} : { outbox: pending }) };
}

/** The first of the delivery's keys already recorded, if any. */
async function firstRecorded(store: CaseStore, marketplace: string, ids: readonly string[]): Promise<DeliveryRecord | undefined> {
  for (const id of ids) {
    const seen = await store.getDelivery(marketplace, id);
    if (seen !== undefined) return seen;
  }
  return undefined;
}

/**
 * The translated payload must be about the delivery and the return that were checked and
 * read; anything else is an adapter bug, refused before it can touch another case.
 */
function assertSameDelivery(payload: WebhookPayload, deliveryId: string, caseId: string, marketplace: string): void {
  if (payload.deliveryId !== deliveryId || caseIdFor(marketplace, payload.return.marketplaceReturnId) !== caseId) {
    throw new Error(`Adapter translated delivery ${deliveryId} into a payload for another delivery or return`);
  }
}

async function duplicateOf(
  seen: { caseId: string; payloadHash: string },
  fingerprint: string,
  summary: ReceiveWebhookResult['payload'],
  source: ReceiveWebhookResult['source'],
  store: CaseStore,
): Promise<ReceiveWebhookResult> {
  if (seen.payloadHash !== fingerprint) {
    throw new ConflictError(`Delivery ${summary.deliveryId} was already received with a different body`);
  }
  const current = await store.getCase(seen.caseId);
  return {
    caseId: seen.caseId,
    status: current?.status ?? null,
    duplicate: true,
    ignoredReason: 'DUPLICATE_DELIVERY',
    payload: summary,
    source,
  };
}
