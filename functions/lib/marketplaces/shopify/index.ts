import { defineMarketplace } from '../definition.ts';
import { shopifyAdapter } from './adapter.ts';
import { ShopifyReturnLineItemSchema, shopifyTopics, shopifyWebhookBodySchemas } from './body-schemas.ts';
import { DEV_SHOPIFY_SELLER, DEV_SHOPIFY_SHOP } from './dev.ts';
import { shopifySettings } from './settings.ts';

/** `returns/request` → `ShopifyReturnsRequest`: the topic's component name in openapi.json. */
const componentName = (topic: string) =>
  `Shopify${topic
    .split('/')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('')}`;

/**
 * Shopify's returns webhooks (`/webhooks/shopify`), as Shopify sends them: signed with
 * X-Shopify-Hmac-Sha256, the topic in X-Shopify-Topic (adapter.ts), shops mapped to sellers by
 * SHOPIFY_SHOPS (settings.ts), one body schema per topic (body-schemas.ts).
 */
export const shopify = /* @__PURE__ */ (() =>
  defineMarketplace({
    name: 'shopify',
    settings: shopifySettings,
    adapter: (config) => shopifyAdapter({ shops: config.SHOPIFY_SHOPS ?? {} }),
    webhookBodies: shopifyTopics.map((topic) => ({
      name: componentName(topic),
      description: `Shopify ${topic} webhook body, as Shopify sends it (X-Shopify-Topic: ${topic}); translated into the canonical payload on receipt.`,
      schema: shopifyWebhookBodySchemas[topic],
    })),
    webhookBodyParts: [{ name: 'ShopifyReturnLineItem', schema: ShopifyReturnLineItemSchema }],
    devWebhookSecret: 'dev-only-shopify-app-secret-change-me-00002',
    devSettings: { SHOPIFY_SHOPS: JSON.stringify({ [DEV_SHOPIFY_SHOP]: DEV_SHOPIFY_SELLER }) },
  }))();
