import { createHash } from 'node:crypto';
import { type CaseStatus, caseIdFor } from '../domain/case.ts';
import {
  ConcurrentModificationError,
  ConflictError,
  DuplicateDeliveryError,
  MalformedJsonError,
  NotFoundError,
  PayloadTooLargeError,
  SignatureError,
  ValidationError,
} from '../domain/errors.ts';
import { applyMarketplaceEvent } from '../domain/lifecycle.ts';
import { type WebhookPayload, WebhookPayloadSchema } from '../domain/return-payload.ts';
import { verifySignature } from '../domain/webhook-signature.ts';
import { issuesFromZod } from '../domain/validation.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';
import type { WebhookSecrets } from '../ports/webhook-secrets.ts';
import { type PublishOutcome, publishRefund } from './publish-refund.ts';

export const MAX_WEBHOOK_BYTES = 256 * 1024;
const MAX_ATTEMPTS = 8;

export type ReceiveWebhookDeps = {
  readonly store: CaseStore;
  readonly secrets: WebhookSecrets;
  readonly policies: PolicyProvider;
  readonly refunds: RefundQueue;
  readonly clock: Clock;
  /** Waits between optimistic-concurrency retries; injectable so tests need not sleep. */
  readonly backoff?: (attempt: number) => Promise<void>;
};

export type ReceiveWebhookInput = {
  readonly marketplace: string;
  readonly rawBody: string;
  readonly signatureHeader: string | undefined;
};

export type ReceiveWebhookResult = {
  readonly caseId: string;
  readonly status: CaseStatus | null;
  /** True when nothing was written because this delivery or event was already applied. */
  readonly duplicate: boolean;
  readonly ignoredReason?: string;
  /** Set when this delivery made a refund due: whether it reached the queue already. */
  readonly refund?: { readonly refundId: string; readonly publish: PublishOutcome };
  readonly payload: Pick<WebhookPayload, 'eventType' | 'deliveryId'>;
};

const defaultBackoff = (attempt: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));

/** Parses and validates the body; every failure names the field and the problem. */
export function parseWebhookBody(rawBody: string): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch (error) {
    throw new MalformedJsonError('Request body is not valid JSON', { cause: error });
  }
  const parsed = WebhookPayloadSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError('Request body does not match the canonical payload v1', issuesFromZod(parsed.error));
  }
  return parsed.data;
}

/**
 * Receives one signed marketplace delivery and applies it to its case.
 *
 * Steps:
 * 1. Refuse unknown marketplaces (404), oversized bodies (413) and bad signatures (401)
 *    before reading the body, so nothing unauthenticated is parsed.
 * 2. Parse and validate the canonical payload (400 / 422 naming the field).
 * 3. A delivery id already recorded answers with its case, writing nothing.
 * 4. Read the case, apply the event (pure: new facts run the rule chain), and commit case +
 *    history + delivery record + refund outbox record in one conditional transaction; a
 *    lost race re-reads and tries again, so concurrent deliveries of one return end with
 *    exactly one case and at most one refund.
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
  const check = verifySignature({
    header: input.signatureHeader,
    rawBody: input.rawBody,
    secrets: marketplaceSecrets,
    nowSeconds: Math.floor(clock.now().getTime() / 1000),
  });
  if (!check.ok) {
    throw new SignatureError(`Webhook signature rejected: ${check.reason}`, check.reason);
  }

  const payload = parseWebhookBody(input.rawBody);
  const payloadHash = createHash('sha256').update(input.rawBody).digest('hex');
  const summary = { eventType: payload.eventType, deliveryId: payload.deliveryId };

  for (let attempt = 0; ; attempt++) {
    const seen = await store.getDelivery(input.marketplace, payload.deliveryId);
    if (seen !== undefined) return duplicateOf(seen, payloadHash, summary, store);

    const now = clock.now().toISOString();
    const existing = await store.getCase(caseIdOf(input.marketplace, payload));
    const outcome = applyMarketplaceEvent(existing, payload, {
      marketplace: input.marketplace,
      now,
      policy: deps.policies.policyFor(input.marketplace),
    });
    if (outcome.kind === 'IGNORED') {
      return { caseId: outcome.caseId, status: outcome.status, duplicate: true, ignoredReason: outcome.reason, payload: summary };
    }
    try {
      await store.commit({
        next: outcome.next,
        expectedVersion: existing?.version ?? 0,
        events: outcome.events,
        delivery: {
          marketplace: input.marketplace,
          deliveryId: payload.deliveryId,
          caseId: outcome.next.caseId,
          payloadHash,
          receivedAt: now,
        },
        ...(outcome.outbox === undefined ? {} : { outbox: outcome.outbox }),
        ...(outcome.clearOutbox === undefined ? {} : { clearOutbox: outcome.clearOutbox }),
      });
      const result = { caseId: outcome.next.caseId, status: outcome.next.status, duplicate: false, payload: summary };
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

function caseIdOf(marketplace: string, payload: WebhookPayload): string {
  return caseIdFor(marketplace, payload.return.marketplaceReturnId);
}

async function duplicateOf(
  seen: { caseId: string; payloadHash: string },
  payloadHash: string,
  summary: ReceiveWebhookResult['payload'],
  store: CaseStore,
): Promise<ReceiveWebhookResult> {
  if (seen.payloadHash !== payloadHash) {
    throw new ConflictError(`Delivery ${summary.deliveryId} was already received with a different body`);
  }
  const current = await store.getCase(seen.caseId);
  return { caseId: seen.caseId, status: current?.status ?? null, duplicate: true, ignoredReason: 'DUPLICATE_DELIVERY', payload: summary };
}
