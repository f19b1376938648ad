import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { jsonText } from '../../contract/json-text.ts';
import { IdentifierSchema } from '../../contract/return-payload.ts';

/**
 * Shopify's configuration: which shop belongs to which seller. The Shopify adapters that
 * answer or pay through the Admin API (functions/lib/wiring/*) read the same setting.
 */

const ShopDomainSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .check(z.maxLength(255), z.regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'must be a shop domain such as my-shop.myshopify.com')))();

const jsonObjectText = /* @__PURE__ */ jsonText('{"my-shop.myshopify.com":"seller-id"}');

/** SHOPIFY_SHOPS: JSON object of shop domain → seller id. */
export const ShopifyShopsSchema = /* @__PURE__ */ (() => z.pipe(jsonObjectText, z.record(ShopDomainSchema, IdentifierSchema)))();

/**
 * Environment settings of this adapter, validated at cold start with the rest of the
 * function's configuration. Unset means "no shop yet": every Shopify delivery is then
 * refused naming X-Shopify-Shop-Domain, and other marketplaces are unaffected.
 */
export const shopifySettings = { SHOPIFY_SHOPS: z.optional(ShopifyShopsSchema) };
