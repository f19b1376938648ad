import type * as z from 'zod/mini';
import { WebhookPayloadSchema } from '../contract/return-payload.ts';
import { SHOPIFY_MARKETPLACE } from '../marketplaces/shopify/adapter.ts';
import { shopifyTopics, shopifyWebhookBodySchemas } from '../marketplaces/shopify/body-schemas.ts';

/**
 * Every body format `POST /webhooks/{marketplace}` accepts, for the published API document
 * (functions/lib/http/openapi.ts): the request body is documented as one of these. A
 * marketplace-specific format (e.g. Shopify's own webhook) is added here as one more entry.
 */
export type WebhookBodyFormat = {
  /** Component name in openapi.json, e.g. `CanonicalPayloadV1`. */
  readonly name: string;
  readonly description: string;
  /** The zod schema the intake validates this format with. */
  readonly schema: z.ZodMiniType;
  /** Marketplaces that send this format; absent: any marketplace. */
  readonly marketplaces?: readonly string[];
};

export const webhookBodySchemas: WebhookBodyFormat[] = [
  {
    name: 'CanonicalPayloadV1',
    description:
      'The canonical return event, version 1 (functions/lib/contract/return-payload.ts): every marketplace adapter translates its own webhook into this shape. At most 256 KiB; every string, array and number states its limit, set so that the largest case (this snapshot plus 100 evidence items from seller staff) fits one DynamoDB item.',
    schema: WebhookPayloadSchema,
  },
  // Shopify's returns webhooks, as Shopify sends them (functions/lib/marketplaces/shopify/),
  // signed with X-Shopify-Hmac-Sha256; the topic is in X-Shopify-Topic.
  ...shopifyTopics.map((topic) => ({
    name: `Shopify${topic
      .split('/')
      .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
      .join('')}`,
    description: `Shopify ${topic} webhook body, as Shopify sends it (X-Shopify-Topic: ${topic}); translated into the canonical payload on receipt.`,
    schema: shopifyWebhookBodySchemas[topic],
    marketplaces: [SHOPIFY_MARKETPLACE],
  })),
];
