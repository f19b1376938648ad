import { WebhookPayloadSchema } from '../contract/return-payload.ts';
import type { MarketplaceDefinition, WebhookBody } from '../marketplaces/definition.ts';
import { marketplaceDefinitions } from '../marketplaces/index.ts';

/**
 * Every body format `POST /webhooks/{marketplace}` accepts, for the published API document
 * (functions/lib/http/openapi.ts): the request body is documented as one of these. The
 * canonical payload comes first; a marketplace-specific format (e.g. Shopify's own webhooks)
 * comes from its definition in the registry (functions/lib/marketplaces/index.ts).
 */
export type WebhookBodyFormat = WebhookBody & {
  /** Marketplaces that send this format; absent: any marketplace. */
  readonly marketplaces?: readonly string[];
};

const canonicalFormat: WebhookBodyFormat = {
  name: 'CanonicalPayloadV1',
  description:
    'The canonical return event, version 1 (functions/lib/contract/return-payload.ts): every marketplace adapter translates its own webhook into this shape. At most 256 KiB; every string, array and number states its limit, set so that the largest case (this snapshot plus 100 evidence items from seller staff) fits one DynamoDB item.',
  schema: WebhookPayloadSchema,
};

/** The canonical payload, then each definition's bodies in registry order, each sent by that marketplace alone. */
export function webhookBodyFormatsOf(definitions: readonly MarketplaceDefinition[]): WebhookBodyFormat[] {
  return [canonicalFormat, ...definitions.flatMap((d) => d.webhookBodies.map((body) => ({ ...body, marketplaces: [d.name] })))];
}

/** Parts of the definitions' bodies that more than one body uses: one component each in openapi.json. */
export function webhookBodyPartsOf(definitions: readonly MarketplaceDefinition[]): Omit<WebhookBody, 'description'>[] {
  return definitions.flatMap((d) => d.webhookBodyParts ?? []);
}

export const webhookBodySchemas: WebhookBodyFormat[] = /* @__PURE__ */ webhookBodyFormatsOf(marketplaceDefinitions);
export const webhookBodyParts = /* @__PURE__ */ webhookBodyPartsOf(marketplaceDefinitions);
