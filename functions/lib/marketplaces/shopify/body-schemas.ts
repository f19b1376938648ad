import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { storableInt } from '../../contract/storable.ts';

/**
 * What Shopify sends: the returns topics this service handles and the body of each, as
 * Shopify sends it. The adapter (adapter.ts) validates deliveries with these schemas and the
 * published API document (openapi.json) lists them.
 */

export const shopifyTopics = [
  'returns/request',
  'returns/approve',
  'returns/decline',
  'returns/cancel',
  'returns/close',
  'returns/reopen',
  'returns/update',
  'reverse_deliveries/attach_deliverable',
  'reverse_fulfillment_orders/dispose',
] as const;
export type ShopifyTopic = (typeof shopifyTopics)[number];

/** Shopify's return reasons (a reason this service does not know counts as `unknown`). */
export const shopifyReturnReasons = [
  'color',
  'defective',
  'not_as_described',
  'size_too_large',
  'size_too_small',
  'style',
  'unwanted',
  'wrong_item',
  'other',
  'unknown',
] as const;
export type ShopifyReturnReason = (typeof shopifyReturnReasons)[number];

// ---------------------------------------------------------------------------------------
// Body schemas: the published contract of each topic. Plain (not strict) objects: Shopify
// adds fields with each API version, and a new field must not turn deliveries into 400s.
// Unknown fields are dropped, never stored.

/** A count Shopify reports; only ever compared, but bounded like every number the service accepts. */
const countSchema = () => storableInt({ min: 0, max: Number.MAX_SAFE_INTEGER });
const ShopifyIdSchema = /* @__PURE__ */ (() => countSchema().check(z.describe('Shopify numeric id (REST); the gid is authoritative')))();
const gid = (type: string) =>
  z
    .string()
    .check(z.maxLength(128), z.regex(new RegExp(`^gid://shopify/${type}/[0-9]{1,20}$`), `must look like gid://shopify/${type}/<number>`));

const ShopifyMoneySchema = /* @__PURE__ */ (() =>
  z.object({ amount: z.string().check(z.maxLength(32)), currency_code: z.string().check(z.maxLength(8)) }))();
const ShopifyMoneyBagSchema = /* @__PURE__ */ (() =>
  z.object({ shop_money: ShopifyMoneySchema, presentment_money: z.optional(ShopifyMoneySchema) }))();

export const ShopifyReturnReasonSchema = /* @__PURE__ */ (() =>
  z
    .union([z.enum(shopifyReturnReasons), z.string().check(z.maxLength(64))])
    .check(z.describe('A Shopify return reason; a value this service does not know counts as `unknown`')))();

export const ShopifyReturnLineItemSchema = /* @__PURE__ */ (() =>
  z.object({
    id: z.optional(ShopifyIdSchema),
    admin_graphql_api_id: gid('ReturnLineItem'),
    fulfillment_line_item: z.nullish(
      z.object({
        id: z.optional(ShopifyIdSchema),
        admin_graphql_api_id: z.optional(gid('FulfillmentLineItem')),
        line_item: z.nullish(z.object({ id: z.optional(ShopifyIdSchema), admin_graphql_api_id: z.optional(gid('LineItem')) })),
      }),
    ),
    quantity: storableInt({ min: 0, max: 100_000 }),
    return_reason: z.nullish(ShopifyReturnReasonSchema),
    return_reason_note: z.nullish(z.string().check(z.maxLength(5_000))),
    customer_note: z.nullish(z.string().check(z.maxLength(5_000))),
  }))();

const returnObjectFields = {
  id: z.optional(ShopifyIdSchema),
  admin_graphql_api_id: gid('Return'),
  name: z.nullish(z.string().check(z.maxLength(255))),
  order: z.object({ id: z.optional(ShopifyIdSchema), admin_graphql_api_id: gid('Order') }),
  total_return_line_items: z.optional(countSchema()),
  return_line_items: z.array(ShopifyReturnLineItemSchema).check(z.maxLength(250)),
  return_shipping_fees: z.optional(
    z
      .array(
        z.object({
          id: z.optional(ShopifyIdSchema),
          admin_graphql_api_id: z.optional(gid('ReturnShippingFee')),
          price: ShopifyMoneyBagSchema,
        }),
      )
      .check(z.maxLength(50)),
  ),
  exchange_line_items: z.optional(
    z
      .array(z.object({ id: z.optional(ShopifyIdSchema), admin_graphql_api_id: z.optional(gid('ExchangeLineItem')) }))
      .check(z.maxLength(250)),
  ),
  total_exchange_line_items: z.optional(countSchema()),
};

/** `returns/request`: a buyer asked for a return (full return object). */
export const ShopifyReturnsRequestSchema = /* @__PURE__ */ (() =>
  z.object({ ...returnObjectFields, status: z.enum(['requested', 'open']) }).check(z.describe('Shopify returns/request webhook body')))();
/** `returns/approve`: the merchant approved a requested return (full return object). */
export const ShopifyReturnsApproveSchema = /* @__PURE__ */ (() =>
  z.object({ ...returnObjectFields, status: z.literal('open') }).check(z.describe('Shopify returns/approve webhook body')))();
/** `returns/decline`: the merchant declined a requested return. */
export const ShopifyReturnsDeclineSchema = /* @__PURE__ */ (() =>
  z
    .object({
      id: z.optional(ShopifyIdSchema),
      admin_graphql_api_id: gid('Return'),
      status: z.literal('declined'),
      decline: z.nullish(z.object({ reason: z.string().check(z.maxLength(64)), note: z.nullish(z.string().check(z.maxLength(5_000))) })),
    })
    .check(z.describe('Shopify returns/decline webhook body')))();

const statusChange = (topic: string, status: string) =>
  z
    .object({
      id: z.optional(ShopifyIdSchema),
      admin_graphql_api_id: gid('Return'),
      order_id: z.optional(ShopifyIdSchema),
      status: z.literal(status),
    })
    .check(z.describe(`Shopify ${topic} webhook body`));
export const ShopifyReturnsCancelSchema = /* @__PURE__ */ (() => statusChange('returns/cancel', 'canceled'))();
export const ShopifyReturnsCloseSchema = /* @__PURE__ */ (() => statusChange('returns/close', 'closed'))();
export const ShopifyReturnsReopenSchema = /* @__PURE__ */ (() => statusChange('returns/reopen', 'open'))();

const FeeChangesSchema = /* @__PURE__ */ (() =>
  z.object({
    updates: z.optional(z.array(z.record(z.string(), z.unknown())).check(z.maxLength(250))),
    removals: z.optional(z.array(z.record(z.string(), z.unknown())).check(z.maxLength(250))),
  }))();
/** `returns/update`: a delta, not a full object. Only line-item removals change our facts. */
export const ShopifyReturnsUpdateSchema = /* @__PURE__ */ (() =>
  z
    .object({
      admin_graphql_api_id: gid('Return'),
      return_line_items: z.optional(
        z.object({
          removals: z.optional(
            z
              .array(z.object({ admin_graphql_api_id: gid('ReturnLineItem'), delta: storableInt({ min: 1, max: 100_000 }) }))
              .check(z.maxLength(250)),
          ),
        }),
      ),
      restocking_fees: z.optional(FeeChangesSchema),
      return_shipping_fees: z.optional(FeeChangesSchema),
    })
    .check(z.describe('Shopify returns/update webhook body (a delta)')))();

/**
 * `reverse_deliveries/attach_deliverable`: a label or tracking was attached to a return's
 * reverse delivery, the parcel the buyer sends back. Only the return and the tracking are
 * read; the label (a file URL) is dropped like every field not named here.
 */
export const ShopifyReverseDeliveryAttachSchema = /* @__PURE__ */ (() =>
  z
    .object({
      id: z.optional(ShopifyIdSchema),
      admin_graphql_api_id: gid('ReverseDelivery'),
      return: z.object({ id: z.optional(ShopifyIdSchema), admin_graphql_api_id: gid('Return') }),
      shipping_deliverable: z.nullish(
        z.object({
          tracking: z.nullish(
            z.object({
              carrier_name: z.nullish(z.string().check(z.maxLength(255))),
              tracking_number: z.nullish(z.string().check(z.maxLength(255))),
            }),
          ),
        }),
      ),
    })
    .check(z.describe('Shopify reverse_deliveries/attach_deliverable webhook body')))();

/**
 * `reverse_fulfillment_orders/dispose`: the merchant disposed of returned units (restocked,
 * not restocked, processing required, missing). Only the reverse fulfilment order's id is
 * read: the body names no return, and what was done with every unit so far is read from the
 * Admin API (cumulative, so a repeated or replayed disposal reads the same facts; see locate).
 */
export const ShopifyReverseFulfillmentOrderDisposeSchema = /* @__PURE__ */ (() =>
  z
    .object({
      id: z.optional(ShopifyIdSchema),
      admin_graphql_api_id: z.optional(gid('ReverseFulfillmentOrder')),
    })
    .check(
      z.refine((b) => b.id !== undefined || b.admin_graphql_api_id !== undefined, {
        message: 'is required (or id)',
        path: ['admin_graphql_api_id'],
      }),
      z.describe('Shopify reverse_fulfillment_orders/dispose webhook body'),
    ))();

/** Every accepted Shopify body, by topic: the one place the published documents read them from. */
export const shopifyWebhookBodySchemas = {
  'returns/request': ShopifyReturnsRequestSchema,
  'returns/approve': ShopifyReturnsApproveSchema,
  'returns/decline': ShopifyReturnsDeclineSchema,
  'returns/cancel': ShopifyReturnsCancelSchema,
  'returns/close': ShopifyReturnsCloseSchema,
  'returns/reopen': ShopifyReturnsReopenSchema,
  'returns/update': ShopifyReturnsUpdateSchema,
  'reverse_deliveries/attach_deliverable': ShopifyReverseDeliveryAttachSchema,
  'reverse_fulfillment_orders/dispose': ShopifyReverseFulfillmentOrderDisposeSchema,
} as const satisfies Record<ShopifyTopic, z.ZodMiniType>;

export type ReturnObjectBody = z.infer<typeof ShopifyReturnsRequestSchema> | z.infer<typeof ShopifyReturnsApproveSchema>;
export type ShopifyBody = z.infer<(typeof shopifyWebhookBodySchemas)[ShopifyTopic]>;
