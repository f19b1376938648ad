import * as z from 'zod/mini';
import { jsonText } from './json-text.ts';

/**
 * The body of an outbound notification webhook (#21), as a marketplace receives it: the
 * Standard Webhooks envelope `{type, timestamp, data}`, signed in the `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` headers (https://www.standardwebhooks.com).
 * `data.eventId` equals `webhook-id`: the receiver's idempotency key. No personal data.
 */

export const outboundEventTypes = [
  /** A decision takes effect: what the buyer gets, who pays the return label, what they do next. */
  'case.decided',
  /** The case waits for the seller's staff (a review, an approval) and by when they answer. */
  'case.in_review',
  /** A deadline passed and the case went one level up. */
  'case.escalated',
  /** The case waits for the buyer: ship the return by a date (on hold, or a reminder). */
  'case.waiting_on_buyer',
  /** The refund was released to the payment provider (it will be paid). */
  'refund.released',
  /** The refund was paid. */
  'refund.paid',
  /** The returned goods arrived at the seller. */
  'return.received',
  /** The returned goods were inspected. */
  'return.inspected',
  /** The case is over: closed or cancelled. */
  'case.closed',
] as const;

/** Locales the buyer-facing words are written in. */
export const notificationLocales = ['en', 'zh-CN'] as const;

const Instant = /* @__PURE__ */ z.iso.datetime({ offset: true });

export const OutboundEventSchema = /* @__PURE__ */ (() =>
  z.object({
    type: z.enum(outboundEventTypes),
    /** When the change it announces happened. */
    timestamp: Instant,
    data: z.object({
      eventId: z.string().check(z.regex(/^ntf_[0-9a-f]{24}$/)),
      caseId: z.string(),
      marketplace: z.string(),
      sellerId: z.string(),
      returnId: z.string(),
      orderId: z.string(),
      /** The case version whose change it announces: a case's events arrive in this order. */
      caseVersion: z.number(),
      /** The case's status after that change. */
      status: z.string(),
      /** What happened, as facts: remedy, refund amount and currency (minor units), who pays return shipping, dates. */
      facts: z.record(z.string(), z.unknown()),
      /** The outcome and the next step in plain words, for the buyer. */
      explanation: z.object({
        locale: z.enum(notificationLocales),
        outcome: z.string(),
        nextStep: z.optional(z.string()),
        nextStepBy: z.optional(Instant),
      }),
    }),
  }))();
export type OutboundEvent = z.infer<typeof OutboundEventSchema>;

const ChannelSchema = /* @__PURE__ */ z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    defaultLocale: z.optional(z.enum(notificationLocales)),
  }),
  z.strictObject({ kind: z.literal('shopify-admin'), defaultLocale: z.optional(z.enum(notificationLocales)) }),
]);
export type NotificationChannelSpec = z.infer<typeof ChannelSchema>;

/**
 * Where each marketplace is told (NOTIFICATION_CHANNELS, stage setting notificationChannels):
 * `{"<marketplace>": {"kind":"webhook","url":"https://…","defaultLocale":"zh-CN"} | {"kind":"shopify-admin"}}`.
 */
export const NotificationChannelsSchema = /* @__PURE__ */ (() =>
  z.pipe(jsonText('{"acme":{"kind":"webhook","url":"https://…"}}'), z.record(z.string().check(z.minLength(1)), ChannelSchema)))();
