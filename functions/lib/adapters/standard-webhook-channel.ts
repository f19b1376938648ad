import { Webhook } from 'standardwebhooks';
import type { OutboundEvent } from '../contract/outbound-events.ts';
import type { ChannelAnswer, NotificationChannel } from '../ports/notifications.ts';
import type { Explanation } from '../workflow/notification-text.ts';
import type { Notification } from '../workflow/notifications.ts';

/** The wire body of a notification: the Standard Webhooks envelope (contract/outbound-events.ts). */
export function outboundEventOf(n: Notification, explanation: Explanation): OutboundEvent {
  const { type: _type, ...facts } = n.data;
  return {
    type: n.type,
    timestamp: n.occurredAt,
    data: {
      eventId: n.eventId,
      caseId: n.caseId,
      marketplace: n.marketplace,
      sellerId: n.sellerId,
      returnId: n.marketplaceReturnId,
      orderId: n.orderId,
      caseVersion: n.caseVersion,
      status: n.caseStatus,
      facts,
      explanation,
    },
  };
}

/**
 * Sends notifications as signed webhooks following the Standard Webhooks spec, with the
 * `standardwebhooks` library a receiver verifies with: `webhook-id` = the event id (the
 * receiver's idempotency key), `webhook-timestamp` = the send time, `webhook-signature` =
 * `v1,<HMAC-SHA256>` over `id.timestamp.body` with the marketplace's `whsec_` secret.
 * 2xx: delivered. 410 Gone: the receiver unsubscribes. Anything else, or no answer within
 * the timeout: failed, tried again later.
 */
export class StandardWebhookChannel implements NotificationChannel {
  readonly kind = 'webhook';
  readonly #url: string;
  readonly #secret: () => Promise<string>;
  readonly #timeoutMs: number;
  readonly #now: () => Date;

  constructor(options: { url: string; secret: () => Promise<string>; timeoutMs?: number; now?: () => Date }) {
    this.#url = options.url;
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? (() => new Date());
  }

  async deliver(n: Notification, explanation: Explanation): Promise<ChannelAnswer> {
    const body = JSON.stringify(outboundEventOf(n, explanation));
    const timestamp = this.#now();
    const signature = new Webhook(await this.#secret()).sign(n.eventId, timestamp, body);
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': n.eventId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      // The body is not read: nothing in it changes the outcome.
      await response.body?.cancel();
    } catch (error) {
      return { outcome: 'FAILED', detail: `no answer: ${(error as Error).name}` };
    }
    if (response.status >= 200 && response.status < 300) return { outcome: 'DELIVERED', status: response.status };
    if (response.status === 410) return { outcome: 'GONE', status: response.status };
    return { outcome: 'FAILED', status: response.status, detail: `answered ${response.status}` };
  }
}
