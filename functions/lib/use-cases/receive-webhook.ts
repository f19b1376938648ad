import { type CaseStatus, caseIdFor } from '../domain/case.ts';
import {
  ConcurrentModificationError,
  ConflictError,
  DuplicateDeliveryError,
  NotFoundError,
  PayloadTooLargeError,
  SignatureError,
} from '../domain/errors.ts';
import { applyMarketplaceEvent } from '../domain/lifecycle.ts';
import type { EventType, WebhookPayload } from '../domain/return-payload.ts';
import type { DeliveryLogContext, InboundWebhook, MarketplaceRegistry } from '../marketplaces/adapter.ts';
import { canonicalOnly } from '../marketplaces/index.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import type { WebhookSecrets } from '../ports/webhook-secrets.ts';
import { type PublishOutcome, publishRefund } from './publish-refund.ts';

/** Moved to the canonical adapter; re-exported for existing callers. */
export { parseWebhookBody } from '../marketplaces/canonical.ts';

export const MAX_WEBHOOK_BYTES = 256 * 1024;
const MAX_ATTEMPTS = 8;

export type ReceiveWebhookDeps = {
  readonly store: CaseStore;
  readonly secrets: WebhookSecrets;
  readonly policies: PolicyProvider;
  readonly refunds: RefundQueue;
  readonly clock: Clock;
  /** Which format each marketplace speaks; every marketplace speaks the canonical one when absent. */
  readonly marketplaces?: MarketplaceRegistry;
  /** Waits between optimistic-concurrency retries; injectable so tests need not sleep. */
  readonly backoff?: (attempt: number) => Promise<void>;
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
  /** Set when this delivery made a refund due: whether it reached the queue already. */
  readonly refund?: { readonly refundId: string; readonly publish: PublishOutcome };
  readonly payload: { readonly eventType: EventType | null; readonly deliveryId: string };
  /** The adapter's format and the marketplace's own delivery identifiers, for logs. */
  readonly source: { readonly format: string } & DeliveryLogContext;
};

const defaultBackoff = (attempt: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));

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
 *    or acknowledges a delivery this service does not act on (nothing read or written).
 * 3. A delivery id already recorded answers with its case, writing nothing (the adapter
 *    chooses the id, so one event delivered twice maps to one id).
 * 4. Read the case, let the adapter translate the delivery into the canonical payload
 *    (formats that send deltas merge onto the case as read), apply the event (pure: new
 *    facts run the rule chain), and commit case + history + delivery record + refund outbox
 *    record in one transaction conditional on the version read; a lost race re-reads and
 *    translates again, so concurrent deliveries of one return end with exactly one case and
 *    at most one refund.
 * 5. After the commit, publish a refund that became due (the outbox relay retries failures).
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
  const adapter = (deps.marketplaces ?? canonicalOnly).adapterFor(input.marketplace);
  const request: InboundWebhook = {
    headers: input.headers === undefined ? { 'x-signature': input.signatureHeader } : lowerCaseHeaders(input.headers),
    rawBody: input.rawBody,
  };
  const check = adapter.verify(request, marketplaceSecrets, Math.floor(clock.now().getTime() / 1000));
  if (!check.ok) {
    throw new SignatureError(`Webhook signature rejected: ${check.reason}`, check.reason);
  }

  const parsed = adapter.parse(request, { marketplace: input.marketplace, receivedAt: clock.now().toISOString() });
  const source = { format: adapter.format, ...parsed.log };
  if (parsed.kind === 'IGNORE') {
    return { caseId: '', status: null, duplicate: true, ignoredReason: parsed.reason, payload: { eventType: null, deliveryId: parsed.deliveryId }, source };
  }
  const summary = { eventType: parsed.eventType, deliveryId: parsed.deliveryId };
  const caseId = caseIdFor(input.marketplace, parsed.marketplaceReturnId);

  for (let attempt = 0; ; attempt++) {
    const seen = await store.getDelivery(input.marketplace, parsed.deliveryId);
    if (seen !== undefined) return duplicateOf(seen, parsed.fingerprint, summary, source, store);

    const now = clock.now().toISOString();
    const existing = await store.getCase(caseId);
    const translation = adapter.translate(parsed, { marketplace: input.marketplace, receivedAt: now, existing });
    if (translation.kind === 'IGNORE') {
      return { caseId, status: existing?.status ?? null, duplicate: true, ignoredReason: translation.reason, payload: summary, source };
    }
    const payload = translation.payload;
    assertSameDelivery(payload, parsed.deliveryId, caseId, input.marketplace);
    const outcome = applyMarketplaceEvent(existing, payload, {
      marketplace: input.marketplace,
      now,
      policy: deps.policies.policyFor(input.marketplace),
    });
    if (outcome.kind === 'IGNORED') {
      return { caseId: outcome.caseId, status: outcome.status, duplicate: true, ignoredReason: outcome.reason, payload: summary, source };
    }
    try {
      await store.commit({
        next: outcome.next,
        expectedVersion: existing?.version ?? 0,
        events: outcome.events,
        delivery: {
          marketplace: input.marketplace,
          deliveryId: parsed.deliveryId,
          caseId: outcome.next.caseId,
          payloadHash: parsed.fingerprint,
          receivedAt: now,
        },
        ...(outcome.outbox === undefined ? {} : { outbox: outcome.outbox }),
        ...(outcome.clearOutbox === undefined ? {} : { clearOutbox: outcome.clearOutbox }),
      });
      const result = { caseId: outcome.next.caseId, status: outcome.next.status, duplicate: false, payload: summary, source };
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
  return { caseId: seen.caseId, status: current?.status ?? null, duplicate: true, ignoredReason: 'DUPLICATE_DELIVERY', payload: summary, source };
}
