import { createHash } from 'node:crypto';
import { MalformedJsonError, ValidationError } from '../contract/errors.ts';
import { type WebhookPayload, WebhookPayloadSchema } from '../contract/return-payload.ts';
import { issuesFromZod } from '../contract/validation.ts';
import { verifySignature } from '../contract/webhook-signature.ts';
import type { MarketplaceAdapter } from '../ports/marketplace-adapter.ts';

/**
 * The canonical format: the body is the canonical payload v1 itself, signed with
 * `X-Signature: t=<unix seconds>,v1=<hex>` (functions/lib/contract/webhook-signature.ts).
 * Every marketplace without an adapter of its own speaks it. Behaviour is exactly what
 * receiveWebhook did before the adapter layer: the tests in
 * test/integration/receive-webhook.test.ts are its specification.
 */

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

export const canonicalAdapter: MarketplaceAdapter<WebhookPayload> = {
  format: 'canonical-v1',

  verify(request, secrets, nowSeconds) {
    return verifySignature({ header: request.headers['x-signature'], rawBody: request.rawBody, secrets, nowSeconds });
  },

  parse(request) {
    const payload = parseWebhookBody(request.rawBody);
    return {
      kind: 'PARSED',
      deliveryId: payload.deliveryId,
      // The same delivery id with another body is a conflict, not a retry.
      fingerprint: createHash('sha256').update(request.rawBody).digest('hex'),
      marketplaceReturnId: payload.return.marketplaceReturnId,
      eventType: payload.eventType,
      log: {},
      data: payload,
    };
  },

  translate(parsed) {
    return { kind: 'PAYLOAD', payload: parsed.data };
  },
};
