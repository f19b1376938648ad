import { randomUUID } from 'node:crypto';
import { type EventType, type WebhookPayloadInput } from '#lib/domain/return-payload.ts';
import { signatureHeader } from '#lib/domain/webhook-signature.ts';
import { DEV_WEBHOOK_SECRETS } from './dev-secrets.ts';

/**
 * One place that builds and signs sample webhooks, shared by `npm run sign` and the
 * local-runtime test, so the test proves exactly what a developer would send by hand.
 */

export const DEFAULT_MARKETPLACE = 'demo-market';

export type SamplePayloadOptions = {
  /** @default 'return.requested' */
  eventType?: EventType;
  /** @default a fresh `RET-<uuid>` */
  returnId?: string;
  /** @default a fresh `DLV-<uuid>` (a retry of one delivery would reuse it) */
  deliveryId?: string;
  /** @default new Date() */
  now?: Date;
};

const DAY_MS = 24 * 3600 * 1000;

/** A canonical v1 payload: a buyer says a delivered kettle arrived defective. */
export function buildSamplePayload(options: SamplePayloadOptions = {}): WebhookPayloadInput {
  const now = options.now ?? new Date();
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY_MS).toISOString();
  const eventType = options.eventType ?? 'return.requested';
  const ids = {
    marketplaceReturnId: options.returnId ?? `RET-${randomUUID()}`,
    orderId: 'ORD-1001',
    sellerId: 'SELLER-42',
  };
  const envelope = {
    schemaVersion: 1 as const,
    deliveryId: options.deliveryId ?? `DLV-${randomUUID()}`,
    occurredAt: now.toISOString(),
  };
  if (eventType === 'return.cancelled') return { ...envelope, eventType, return: ids };
  return {
    ...envelope,
    eventType,
    return: {
      ...ids,
      buyerRef: 'BUYER-7f3a',
      reason: 'PRODUCT_QUALITY_DEFECT',
      timeline: { orderedAt: at(10), shippedAt: at(9), deliveredAt: at(7), claimedAt: at(1) },
      money: { currency: 'EUR', itemValue: 4_999, amountPaid: 4_999, shippingCost: 499 },
      shippingRegion: 'SAME_CITY',
      carrier: { code: 'DHL', trackingNumber: 'TRK-123456', events: [{ type: 'DELIVERED', at: at(7) }] },
      deliveryInspection: 'NOT_PERFORMED',
      evidence: [
        { id: 'EV-1', kind: 'PRODUCT_PHOTO', finding: 'DEFECTIVE', submittedBy: 'BUYER', submittedAt: at(1) },
      ],
      requestedRemedy: 'RETURN_AND_REFUND',
      listing: { returnWindowDays: 30, sku: 'KETTLE-1' },
    },
  };
}

export type SignedRequest = {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
};

export class UnknownMarketplaceError extends Error {
  override readonly name = 'UnknownMarketplaceError';
}

/**
 * The complete request a marketplace would send: JSON body, `X-Signature` made with that
 * marketplace's development secret and the current time (or `nowSeconds`).
 */
export function signedRequest(options: {
  baseUrl: string;
  body: string;
  marketplace?: string;
  /** @default the development secret of the marketplace (local/dev-secrets.ts) */
  secret?: string;
  /** @default Math.floor(Date.now() / 1000) */
  nowSeconds?: number;
}): SignedRequest {
  const marketplace = options.marketplace ?? DEFAULT_MARKETPLACE;
  const secret = options.secret ?? DEV_WEBHOOK_SECRETS[marketplace];
  if (secret === undefined) {
    throw new UnknownMarketplaceError(`No development secret for marketplace '${marketplace}'; known: ${Object.keys(DEV_WEBHOOK_SECRETS).join(', ')}`);
  }
  const timestamp = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  return {
    method: 'POST',
    url: `${options.baseUrl.replace(/\/$/, '')}/webhooks/${encodeURIComponent(marketplace)}`,
    headers: { 'content-type': 'application/json', 'x-signature': signatureHeader(secret, timestamp, options.body) },
    body: options.body,
  };
}

/** A copy-pasteable curl command; single quotes in the body are escaped for POSIX shells. */
export function toCurlCommand(request: SignedRequest): string {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  const headers = Object.entries(request.headers).map(([name, value]) => `-H ${quote(`${name}: ${value}`)}`);
  return ['curl', '-sS', '-i', '-X', request.method, ...headers, '--data-binary', quote(request.body), quote(request.url)].join(' ');
}
