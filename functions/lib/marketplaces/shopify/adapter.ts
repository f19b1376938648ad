import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { DependencyUnavailableError, MalformedJsonError, ValidationError } from '../../contract/errors.ts';
import type { ReasonCode } from '../../contract/reason-codes.ts';
import {
  type EventType,
  MAX_ID_LENGTH,
  MAX_REASON_DETAIL_LENGTH,
  type ReturnV1,
  type trackingEventTypes,
  MAX_TRACKING_EVENTS,
  type WebhookPayload,
  type WebhookPayloadInput,
  WebhookPayloadSchema,
} from '../../contract/return-payload.ts';
import { MAX_CLOCK_SKEW_MS } from '../../contract/event-times.ts';
import { isKnownCurrency, NO_CURRENCY } from '../../contract/money.ts';
import { issuesFromZod } from '../../contract/validation.ts';
import type { SignatureCheck } from '../../contract/webhook-signature.ts';
import type {
  InboundWebhook,
  MarketplaceAdapter,
  ParsedDelivery,
  TranslateContext,
  Translation,
  UnlocatedDelivery,
} from '../../ports/marketplace-adapter.ts';
import type { MarketplaceOrder, ReverseFulfilment } from '../../ports/marketplace-order-reader.ts';
import { isTerminal } from '../../workflow/case.ts';
import {
  type ReturnObjectBody,
  type ShopifyBody,
  type ShopifyReturnReason,
  type ShopifyReturnsUpdateSchema,
  type ShopifyReverseDeliveryAttachSchema,
  type ShopifyReverseFulfillmentOrderDisposeSchema,
  type ShopifyTopic,
  shopifyTopics,
  shopifyWebhookBodySchemas,
} from './body-schemas.ts';

/**
 * Shopify returns webhooks, as Shopify sends them.
 *
 * - Signature: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body with the
 *   app's client secret. Shopify signs nothing else: topic, shop and ids travel in unsigned
 *   headers, so the body's `status` is checked against the topic and the delivery record
 *   remembers which topic, shop and return an event id belongs to.
 * - Dedupe: the delivery id is derived from the topic and `X-Shopify-Event-Id`, which every
 *   delivery of one event carries (retries keep their `X-Shopify-Webhook-Id`, so they share
 *   the event id too; a second subscription re-sends the event under a new webhook id). One
 *   conditional delivery record therefore catches both kinds of duplicate. Without an event
 *   id header the webhook id is the key. A second key, from the signed body, catches a
 *   captured body replayed under a fresh (unsigned) event id.
 * - Order: by arrival. `X-Shopify-Triggered-At` is unsigned, so it is checked but orders
 *   nothing; an event about a return not received yet is held until the request comes.
 * - Shop → seller: configuration (SHOPIFY_SHOPS); an unknown shop is refused naming the
 *   header, so Shopify retries and a late configuration change still gets the delivery.
 * - Facts Shopify does not send (money, timeline, carrier, evidence) get honest defaults:
 *   zero amounts in `XXX` ("no currency") until the seller API supplies them, no evidence,
 *   no carrier, inspection UNKNOWN. The rule chain decides with what is known and lowers
 *   its confidence for what is missing; new facts re-decide the case.
 */

/** Header names as they reach the handler (API Gateway lower-cases them). */
export const shopifyHeaders = {
  hmac: 'x-shopify-hmac-sha256',
  topic: 'x-shopify-topic',
  shopDomain: 'x-shopify-shop-domain',
  webhookId: 'x-shopify-webhook-id',
  eventId: 'x-shopify-event-id',
  triggeredAt: 'x-shopify-triggered-at',
  apiVersion: 'x-shopify-api-version',
} as const;

/** How the headers are spelled in Shopify's documentation; used in error messages. */
const headerLabel: Record<keyof typeof shopifyHeaders, string> = {
  hmac: 'X-Shopify-Hmac-Sha256',
  topic: 'X-Shopify-Topic',
  shopDomain: 'X-Shopify-Shop-Domain',
  webhookId: 'X-Shopify-Webhook-Id',
  eventId: 'X-Shopify-Event-Id',
  triggeredAt: 'X-Shopify-Triggered-At',
  apiVersion: 'X-Shopify-API-Version',
};

/** Which canonical event each topic becomes (see translate for what each one changes). */
export const eventTypeByTopic: Readonly<Record<ShopifyTopic, EventType>> = {
  'returns/request': 'return.requested',
  'returns/approve': 'return.updated',
  'returns/decline': 'return.updated',
  'returns/cancel': 'return.cancelled',
  'returns/close': 'return.updated',
  'returns/reopen': 'return.updated',
  'returns/update': 'return.updated',
  'reverse_deliveries/attach_deliverable': 'return.shipment',
  'reverse_fulfillment_orders/dispose': 'return.shipment',
};

// ---------------------------------------------------------------------------------------
// Return reasons

/**
 * Shopify's reasons onto ours, by Shopify's own definitions: `color` and `style` mean the
 * buyer "did not like" them (a preference, not a listing mismatch), `unwanted` is a change
 * of mind. `other` and `unknown` carry no reason the rule chain can weigh, so they count as
 * a no-reason return; the buyer's note is kept in `reasonDetail` for staff.
 */
export const reasonCodeByShopifyReason: Readonly<Record<ShopifyReturnReason, ReasonCode>> = {
  defective: 'PRODUCT_QUALITY_DEFECT',
  wrong_item: 'PRODUCT_WRONG_ITEM',
  not_as_described: 'PRODUCT_NOT_AS_PICTURED',
  size_too_large: 'PRODUCT_SIZE_PROBLEM',
  size_too_small: 'PRODUCT_SIZE_PROBLEM',
  color: 'BUYER_NO_REASON_RETURN',
  style: 'BUYER_NO_REASON_RETURN',
  unwanted: 'BUYER_NO_REASON_RETURN',
  other: 'BUYER_NO_REASON_RETURN',
  unknown: 'BUYER_NO_REASON_RETURN',
};

/**
 * Which item's reason becomes the return's reason when items differ: seller-side reasons
 * first, so one defective item in a mixed return is never decided as a change of mind.
 */
const reasonPrecedence: readonly ReasonCode[] = [
  'PRODUCT_QUALITY_DEFECT',
  'PRODUCT_WRONG_ITEM',
  'PRODUCT_NOT_AS_PICTURED',
  'PRODUCT_SIZE_PROBLEM',
  'BUYER_NO_REASON_RETURN',
];

export function reasonCodeFor(reason: string | null | undefined): ReasonCode {
  // Own properties only: a body's `__proto__` or `constructor` must not reach the prototype.
  return reason != null && Object.hasOwn(reasonCodeByShopifyReason, reason)
    ? reasonCodeByShopifyReason[reason as ShopifyReturnReason]
    : reasonCodeByShopifyReason.unknown;
}

export type ShopifyAdapterOptions = {
  /** Shop domain → seller id. */
  readonly shops: Readonly<Record<string, string>>;
};

// ---------------------------------------------------------------------------------------
// Signature

/** Base64 HMAC-SHA256 of the raw body, as Shopify computes it. */
export function shopifyHmac(secret: string, rawBody: string): string {
  return createHmac('sha256', secret).update(rawBody, 'utf8').digest('base64');
}

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/** Compares the header with every secret's digest in constant time, without an early exit. */
export function verifyShopifyHmac(header: string | undefined, rawBody: string, secrets: readonly string[]): SignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'MISSING_HEADER' };
  const value = header.trim();
  if (!BASE64_SHA256.test(value)) return { ok: false, reason: 'MALFORMED_HEADER' };
  const candidate = Buffer.from(value, 'base64');
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
    if (timingSafeEqual(expected, candidate)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'SIGNATURE_MISMATCH' };
}

// ---------------------------------------------------------------------------------------
// Parsing

const TOPIC = /^[a-z0-9_]{1,40}\/[a-z0-9_]{1,40}$/;
/** Webhook and event ids: UUIDs in practice; anything id-like and short is accepted. */
const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

type HeaderKey = keyof typeof shopifyHeaders;

function headerIssue(key: HeaderKey, problem: string): ValidationError {
  return new ValidationError(`Invalid Shopify webhook header ${headerLabel[key]}`, [{ field: headerLabel[key], problem }]);
}

function header(request: InboundWebhook, key: HeaderKey): string | undefined {
  const value = request.headers[shopifyHeaders[key]]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function requiredHeader(request: InboundWebhook, key: HeaderKey, pattern: RegExp, shape: string): string {
  const value = header(request, key);
  if (value === undefined) throw headerIssue(key, 'is required');
  if (!pattern.test(value)) throw headerIssue(key, `must be ${shape}`);
  return value;
}

/** The number at the end of a Shopify gid (the schemas have checked the shape). */
function gidNumber(value: string): string {
  return value.slice(value.lastIndexOf('/') + 1);
}

export type ShopifyDelivery = {
  readonly topic: ShopifyTopic;
  readonly body: ShopifyBody;
  readonly shop: string;
  readonly sellerId: string;
  /** A disposal's reverse fulfilment order as the Admin API answered when it was located. */
  readonly disposal?: { readonly lines: ReverseFulfilment['lines']; readonly parcels: ReverseFulfilment['parcels'] };
};

/**
 * `X-Shopify-Triggered-At` is checked (a well-formed time, not in the future), so a malformed
 * or impossible one is refused naming it, but it orders nothing: Shopify's HMAC covers the
 * body alone and the body carries no time, so the header is as forgeable as any unsigned
 * one, and ordering by it would let a replayed body with a far-future time freeze the case.
 * Shopify events are ordered by arrival instead (see translate).
 */
function checkTriggeredAt(request: InboundWebhook, receivedAt: string): void {
  const value = header(request, 'triggeredAt');
  if (value === undefined) return;
  const ms = TIMESTAMP.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw headerIssue('triggeredAt', 'must be an ISO 8601 date-time');
  if (ms > Date.parse(receivedAt) + MAX_CLOCK_SKEW_MS) {
    throw headerIssue('triggeredAt', `must not be later than the receiver's clock plus ${MAX_CLOCK_SKEW_MS / 60_000} minutes`);
  }
}

function parseBody(topic: ShopifyTopic, rawBody: string): ShopifyBody {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch (error) {
    throw new MalformedJsonError('Request body is not valid JSON', { cause: error });
  }
  const parsed = z.safeParse(shopifyWebhookBodySchemas[topic], json);
  if (!parsed.success) {
    throw new ValidationError(`Request body does not match Shopify's ${topic} payload`, issuesFromZod(parsed.error));
  }
  const body = parsed.data as ShopifyBody;
  if (
    'id' in body &&
    body.id !== undefined &&
    body.admin_graphql_api_id !== undefined &&
    String(body.id) !== gidNumber(body.admin_graphql_api_id)
  ) {
    throw new ValidationError(`Request body does not match Shopify's ${topic} payload`, [
      { field: 'id', problem: 'must be the number in admin_graphql_api_id' },
    ]);
  }
  if ('return' in body && body.return.id !== undefined && String(body.return.id) !== gidNumber(body.return.admin_graphql_api_id)) {
    throw new ValidationError(`Request body does not match Shopify's ${topic} payload`, [
      { field: 'return.id', problem: 'must be the number in return.admin_graphql_api_id' },
    ]);
  }
  return body;
}

type DisposeBody = z.infer<typeof ShopifyReverseFulfillmentOrderDisposeSchema>;
/** Every body but a disposal's names its return. */
type ReturnNamingBody = z.infer<(typeof shopifyWebhookBodySchemas)[Exclude<ShopifyTopic, 'reverse_fulfillment_orders/dispose'>]>;

/** The return a body is about: its own gid, or for a reverse delivery the return it belongs to. */
function returnGidOf(body: ReturnNamingBody): string {
  return 'return' in body ? body.return.admin_graphql_api_id : body.admin_graphql_api_id;
}

/** The reverse fulfilment order a disposal is about, as a gid. */
function reverseFulfillmentOrderGid(body: DisposeBody): string {
  return body.admin_graphql_api_id ?? `gid://shopify/ReverseFulfillmentOrder/${body.id}`;
}

/**
 * What a disposal tells about the return, from the reverse fulfilment order's dispositions
 * so far (cumulative, read from the Admin API):
 * - received: at least one unit was disposed of as anything but MISSING (it is in the
 *   merchant's hands);
 * - inspection PARTS_MISSING: some units were disposed of as MISSING (expected, absent) while
 *   others arrived; AS_SENT: every unit of the order was RESTOCKED (fit to sell again);
 *   otherwise (not restocked, processing required, some units not disposed of yet) no
 *   inspection: what state the goods are in is for staff to record.
 * Nothing received (every disposed unit MISSING, or none disposed): nothing to record.
 */
export function disposalOutcome(lines: ReverseFulfilment['lines']): {
  readonly received: boolean;
  readonly inspection?: 'AS_SENT' | 'PARTS_MISSING';
} {
  let units = 0;
  let missing = 0;
  let restocked = 0;
  let disposed = 0;
  for (const line of lines) {
    units += line.totalQuantity;
    for (const d of line.dispositions) {
      disposed += d.quantity;
      if (d.type === 'MISSING') missing += d.quantity;
      if (d.type === 'RESTOCKED') restocked += d.quantity;
    }
  }
  const received = disposed - missing > 0;
  if (!received) return { received };
  if (missing > 0) return { received, inspection: 'PARTS_MISSING' };
  if (units > 0 && restocked >= units) return { received, inspection: 'AS_SENT' };
  return { received };
}

/**
 * Shopify's carrier name as one of our identifiers ("Canada Post" → "Canada-Post"); the
 * tracking number without the spaces carriers print in it. Undefined when there is no
 * tracking number: a label alone tells nothing about the parcel yet.
 */
export function returnParcelOf(
  body: z.infer<typeof ShopifyReverseDeliveryAttachSchema>,
): { carrier: string; trackingNumber: string } | undefined {
  const tracking = body.shipping_deliverable?.tracking;
  const trackingNumber = trackingNumberOf(tracking?.tracking_number);
  if (trackingNumber === undefined) return undefined;
  return { carrier: carrierIdOf(tracking?.carrier_name), trackingNumber };
}

/** Shopify's carrier display name as one of our identifiers ("Canada Post" → "Canada-Post"). */
export function carrierIdOf(name: string | null | undefined): string {
  const id = (name ?? '')
    .trim()
    .replace(/[^A-Za-z0-9._:-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_ID_LENGTH);
  return id === '' ? 'UNKNOWN' : id;
}

/** A tracking number without the spaces carriers print in it; undefined when empty or not an identifier. */
function trackingNumberOf(raw: string | null | undefined): string | undefined {
  const value = raw?.replace(/\s+/g, '') ?? '';
  return value !== '' && value.length <= MAX_ID_LENGTH && /^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(value) ? value : undefined;
}

/** Shopify's fulfilment event statuses that are carrier scans, as ours; the rest are not scans. */
const scanTypeByShopifyStatus: Readonly<Record<string, (typeof trackingEventTypes)[number]>> = {
  CARRIER_PICKED_UP: 'PICKED_UP',
  PICKED_UP: 'PICKED_UP',
  IN_TRANSIT: 'IN_TRANSIT',
  OUT_FOR_DELIVERY: 'IN_TRANSIT',
  DELAYED: 'IN_TRANSIT',
  ATTEMPTED_DELIVERY: 'DELIVERY_ATTEMPT_FAILED',
  FAILURE: 'DELIVERY_ATTEMPT_FAILED',
  DELIVERED: 'DELIVERED',
};

/**
 * A new Shopify return completed from the order (#16): the currency and the value of the
 * returned lines (each return line's order line × its quantity; all lines when none can be
 * matched), shipping, order/ship/delivery dates where they fit the claim's timeline, and the
 * first fulfilment's carrier, tracking number and scans. What Shopify does not say stays as
 * the webhook left it.
 */
export function enrichedReturn(ret: ReturnV1, body: ReturnObjectBody, order: MarketplaceOrder): ReturnV1 {
  const returned = new Map<string, number>();
  for (const li of body.return_line_items) {
    const line = li.fulfillment_line_item?.line_item?.admin_graphql_api_id;
    if (line !== undefined) returned.set(line, (returned.get(line) ?? 0) + li.quantity);
  }
  const matched = order.lines.filter((l) => returned.has(l.lineId));
  const itemValue =
    matched.length > 0
      ? matched.reduce((sum, l) => sum + l.unitPrice * Math.min(returned.get(l.lineId) ?? 0, l.quantity), 0)
      : order.lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
  const claimed = Date.parse(ret.timeline.claimedAt);
  const at = (iso: string | null | undefined, after: number) =>
    iso != null && !Number.isNaN(Date.parse(iso)) && Date.parse(iso) >= after && Date.parse(iso) <= claimed
      ? new Date(iso).toISOString()
      : undefined;
  const orderedAt = at(order.orderedAt, 0);
  const fulfilment = order.fulfilments[0];
  const shippedAt = at(fulfilment?.shippedAt, orderedAt === undefined ? 0 : Date.parse(orderedAt));
  const deliveredAt = shippedAt === undefined ? undefined : at(fulfilment?.deliveredAt, Date.parse(shippedAt));
  const trackingNumber = trackingNumberOf(fulfilment?.trackingNumber);
  const events = (fulfilment?.scans ?? [])
    .flatMap((s) => {
      const type = scanTypeByShopifyStatus[s.status];
      const when = at(s.at, 0);
      return type === undefined || when === undefined ? [] : [{ type, at: when }];
    })
    .slice(-MAX_TRACKING_EVENTS);
  const { shippedAt: _s, deliveredAt: _d, ...timeline } = ret.timeline;
  return {
    ...ret,
    money: { currency: order.currency, itemValue, amountPaid: itemValue, shippingCost: order.shippingCost },
    timeline: {
      ...timeline,
      ...(orderedAt === undefined ? {} : { orderedAt }),
      ...(shippedAt === undefined ? {} : { shippedAt }),
      ...(deliveredAt === undefined ? {} : { deliveredAt }),
    },
    ...(fulfilment?.carrier == null || trackingNumber === undefined
      ? {}
      : { carrier: { code: carrierIdOf(fulfilment.carrier), trackingNumber, events, notTheAgreedCarrier: false } }),
  };
}

// ---------------------------------------------------------------------------------------
// Translation

type Item = NonNullable<ReturnV1['items']>[number];

function itemsOf(body: ReturnObjectBody): Item[] {
  return body.return_line_items.map((li) => ({
    id: gidNumber(li.admin_graphql_api_id),
    quantity: li.quantity,
    reason: reasonCodeFor(li.return_reason),
  }));
}

/** The reason of the return: the most seller-side reason among items still being returned. */
function decidingReason(items: readonly Item[]): ReasonCode | undefined {
  const returned = new Set(items.filter((i) => i.quantity > 0).map((i) => i.reason));
  return reasonPrecedence.find((r) => returned.has(r)) ?? [...returned][0];
}

/** The first `length` code units of `text`, one fewer where the cut would split a surrogate pair. */
function cutAt(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

/**
 * The buyer's own words from every item, bounded; stored, never logged. An unpaired
 * surrogate (JSON can spell one, UTF-8 cannot) becomes U+FFFD rather than a refusal: the
 * canonical payload refuses such text, and Shopify retries every non-2xx until it drops the
 * subscription, so a broken character in a note must not cost the return.
 */
function notesOf(body: ReturnObjectBody): string | undefined {
  const notes = body.return_line_items
    .flatMap((li) => [li.return_reason_note, li.customer_note])
    .map((n) => n?.trim().toWellFormed() ?? '')
    .filter((n) => n !== '');
  if (notes.length === 0) return undefined;
  const text = [...new Set(notes)].join('\n');
  return text.length > MAX_REASON_DETAIL_LENGTH ? `${cutAt(text, MAX_REASON_DETAIL_LENGTH - 1)}…` : text;
}

/** The shop's currency, when Shopify names one the contract accepts; otherwise not known yet. */
function currencyOf(body: ReturnObjectBody): string | undefined {
  const code = body.return_shipping_fees?.[0]?.price.shop_money.currency_code;
  return code !== undefined && isKnownCurrency(code) ? code : undefined;
}

function remedyOf(body: ReturnObjectBody): ReturnV1['requestedRemedy'] {
  const exchanges = Math.max(body.exchange_line_items?.length ?? 0, body.total_exchange_line_items ?? 0);
  return exchanges > 0 ? 'REPLACEMENT' : 'RETURN_AND_REFUND';
}

/** A return built from Shopify's full return object alone, with honest defaults. */
function returnFrom(body: ReturnObjectBody, sellerId: string, claimedAt: string): ReturnV1 {
  const orderId = gidNumber(body.order.admin_graphql_api_id);
  const items = itemsOf(body);
  const reasonDetail = notesOf(body);
  return {
    marketplaceReturnId: gidNumber(body.admin_graphql_api_id),
    orderId,
    sellerId,
    // Shopify's return carries no customer; the buyer is "whoever placed this order".
    buyerRef: `order-${orderId}`,
    reason: decidingReason(items) ?? reasonCodeByShopifyReason.unknown,
    ...(reasonDetail === undefined ? {} : { reasonDetail }),
    ticketType: 'RETURN',
    safetyHazard: 'NONE',
    // The order date is not in the payload: the claim time is its upper bound. Window and
    // lateness rules read delivery and claim times, never the order time.
    timeline: { orderedAt: claimedAt, claimedAt },
    // Prices are not in the payload: zero, in "no currency", until the seller API says.
    money: { currency: currencyOf(body) ?? NO_CURRENCY, itemValue: 0, amountPaid: 0, shippingCost: 0 },
    // Not in the payload; the middle band, which only matters once money is known.
    shippingRegion: 'OTHER_PROVINCE',
    deliveryInspection: 'UNKNOWN',
    evidence: [],
    requestedRemedy: remedyOf(body),
    items,
    listing: {},
    signals: {},
  };
}

/**
 * A full return object (returns/approve) merged onto the stored return: Shopify owns the
 * items, the reason derived from them, the buyer's notes and the remedy asked for; every
 * other fact (money, timeline, evidence, carrier: what the seller API added) is kept.
 */
function mergeReturnObject(stored: ReturnV1, body: ReturnObjectBody, sellerId: string): ReturnV1 {
  const items = itemsOf(body);
  const reasonDetail = notesOf(body);
  const currency = currencyOf(body);
  return {
    ...stored,
    orderId: gidNumber(body.order.admin_graphql_api_id),
    sellerId,
    ...(items.length === 0 ? {} : { items, reason: decidingReason(items) ?? stored.reason }),
    ...(reasonDetail === undefined ? {} : { reasonDetail }),
    requestedRemedy: remedyOf(body),
    ...(stored.money.currency === NO_CURRENCY && currency !== undefined ? { money: { ...stored.money, currency } } : {}),
  };
}

/**
 * A returns/update delta merged onto the stored return: each line-item removal lowers that
 * item's quantity, and the return's reason follows the items still being returned. Fee
 * changes are Shopify's own pricing, not facts the rule chain weighs. Returns `stored`
 * itself when nothing changed.
 */
function applyDelta(stored: ReturnV1, body: z.infer<typeof ShopifyReturnsUpdateSchema>): ReturnV1 {
  const removals = body.return_line_items?.removals ?? [];
  if (stored.items === undefined || removals.length === 0) return stored;
  const quantities = new Map(stored.items.map((i) => [i.id, i.quantity]));
  let changed = false;
  for (const removal of removals) {
    const id = gidNumber(removal.admin_graphql_api_id);
    const before = quantities.get(id);
    if (before === undefined) continue;
    const after = Math.max(0, before - removal.delta);
    if (after !== before) {
      quantities.set(id, after);
      changed = true;
    }
  }
  if (!changed) return stored;
  const items = stored.items.map((i) => ({ ...i, quantity: quantities.get(i.id) ?? i.quantity }));
  return { ...stored, items, reason: decidingReason(items) ?? stored.reason };
}

function validPayload(input: WebhookPayloadInput, topic: ShopifyTopic): Translation {
  const parsed = WebhookPayloadSchema.safeParse(input);
  if (!parsed.success) {
    // Only reachable through values the body schemas let through but the canonical payload
    // refuses; name them so the sender (or we) can see which.
    throw new ValidationError(`Shopify ${topic} payload cannot become a canonical payload`, issuesFromZod(parsed.error));
  }
  return { kind: 'PAYLOAD', payload: parsed.data as WebhookPayload };
}

/**
 * A located disposal as the return parcel's receipt (and inspection, see disposalOutcome),
 * a `return.shipment` on the parcel already on the case or, failing that, the reverse
 * delivery's tracking. Acknowledged and ignored, for staff to record instead, when:
 * - the case has ended (Shopify retries every non-2xx, so a 409 would cost the subscription);
 * - nothing was received (every disposed unit missing);
 * - no parcel is known at all (a return handed in without tracking: the canonical shipment
 *   names its carrier and tracking, and the default policy wants a shipment before receipt).
 * An inspection staff already recorded is never replaced by one read from dispositions.
 */
function disposalTranslation(
  parsed: ParsedDelivery<ShopifyDelivery>,
  context: TranslateContext,
  envelope: { schemaVersion: 1; deliveryId: string; occurredAt: string },
): Translation {
  const existing = context.existing;
  if (existing === undefined) return { kind: 'AWAIT_RETURN' };
  const disposal = parsed.data.disposal;
  if (disposal === undefined) return { kind: 'IGNORE', reason: 'RETURN_NOT_LOCATABLE' };
  if (isTerminal(existing.status)) return { kind: 'IGNORE', reason: 'CASE_ENDED' };
  const outcome = disposalOutcome(disposal.lines);
  if (!outcome.received) return { kind: 'IGNORE', reason: 'NOTHING_RECEIVED' };
  const leg = existing.returnLeg;
  const tracked = disposal.parcels
    .map((p) => ({ carrier: carrierIdOf(p.carrier), trackingNumber: trackingNumberOf(p.trackingNumber) }))
    .find((p) => p.trackingNumber !== undefined);
  const parcel =
    leg?.carrier !== undefined && leg.trackingNumber !== undefined
      ? { carrier: leg.carrier, trackingNumber: leg.trackingNumber }
      : tracked?.trackingNumber === undefined
        ? undefined
        : { carrier: tracked.carrier, trackingNumber: tracked.trackingNumber };
  if (parcel === undefined) return { kind: 'IGNORE', reason: 'NO_RETURN_PARCEL_TRACKING' };
  const at = envelope.occurredAt;
  return validPayload(
    {
      ...envelope,
      eventType: 'return.shipment',
      return: { marketplaceReturnId: parsed.marketplaceReturnId, orderId: existing.return.orderId, sellerId: parsed.data.sellerId },
      shipment: {
        ...parcel,
        scans: [],
        receivedAt: leg?.receivedAt ?? at,
        ...(outcome.inspection === undefined || leg?.inspection !== undefined
          ? {}
          : { inspection: { outcome: outcome.inspection, inspectedAt: at } }),
      },
    },
    parsed.data.topic,
  );
}

// ---------------------------------------------------------------------------------------
// The adapter

export function shopifyAdapter(options: ShopifyAdapterOptions): MarketplaceAdapter<ShopifyDelivery> {
  const shops = new Map(Object.entries(options.shops).map(([domain, seller]) => [domain.toLowerCase(), seller]));

  return {
    format: 'shopify-returns',

    verify(request, secrets) {
      return verifyShopifyHmac(request.headers[shopifyHeaders.hmac], request.rawBody, secrets);
    },

    /**
     * Steps: ids and shop from the headers (the shop must be one we serve, whatever the
     * topic); a topic this service does not handle is acknowledged and ignored, because
     * Shopify only sends subscribed topics and answers every non-2xx with retries and,
     * in the end, a removed subscription; then the body is validated against its topic.
     */
    parse(request, context) {
      const rawTopic = requiredHeader(request, 'topic', TOPIC, 'a topic such as returns/request');
      const webhookId = requiredHeader(request, 'webhookId', DELIVERY_ID, 'a webhook id');
      const eventId = header(request, 'eventId');
      if (eventId !== undefined && !DELIVERY_ID.test(eventId)) throw headerIssue('eventId', 'must be an event id');
      const shop = requiredHeader(request, 'shopDomain', /^[A-Za-z0-9.-]{1,255}$/, 'a shop domain').toLowerCase();
      const sellerId = shops.get(shop);
      if (sellerId === undefined) {
        throw new ValidationError(`Unknown shop in ${headerLabel.shopDomain}`, [
          { field: headerLabel.shopDomain, problem: `'${shop}' is not a shop this service serves` },
        ]);
      }

      const slug = rawTopic.replace('/', '-');
      const deliveryId = eventId === undefined ? `shopify:${slug}:wh-${webhookId}` : `shopify:${slug}:${eventId}`;
      // The signed body is a key of its own: a captured body re-sent under a fresh (unsigned)
      // event id is a duplicate. Two genuine events with byte-identical bodies collapse into
      // one; for status topics that loses nothing (the status is already that), for a
      // returns/update delta it means one identical removal counts once (see the README).
      const bodyKey = `shopify:${slug}:body-${createHash('sha256').update(`${shop}\n${request.rawBody}`).digest('hex').slice(0, 40)}`;
      const log = { topic: rawTopic, shop, webhookId, ...(eventId === undefined ? {} : { eventId }) };
      if (!(shopifyTopics as readonly string[]).includes(rawTopic)) {
        return { kind: 'IGNORE', reason: 'UNSUPPORTED_TOPIC', deliveryId, log };
      }
      const topic = rawTopic as ShopifyTopic;
      const body = parseBody(topic, request.rawBody);
      checkTriggeredAt(request, context.receivedAt);
      if (topic === 'reverse_fulfillment_orders/dispose') {
        // The body names only the reverse fulfilment order: locate finds its return.
        return {
          kind: 'UNLOCATED',
          deliveryId,
          fingerprint: createHash('sha256')
            .update(`${topic}\n${shop}\n${reverseFulfillmentOrderGid(body as DisposeBody)}`)
            .digest('hex'),
          aliases: [bodyKey],
          eventType: eventTypeByTopic[topic],
          log,
          data: { topic, body, shop, sellerId },
        } satisfies UnlocatedDelivery<ShopifyDelivery>;
      }
      const marketplaceReturnId = gidNumber(returnGidOf(body as ReturnNamingBody));
      return {
        kind: 'PARSED',
        deliveryId,
        // One event under several webhook ids may differ in body (another API version);
        // what must not differ is which topic, shop and return it is about.
        fingerprint: createHash('sha256').update(`${topic}\n${shop}\n${marketplaceReturnId}`).digest('hex'),
        aliases: [bodyKey],
        marketplaceReturnId,
        eventType: eventTypeByTopic[topic],
        log,
        data: { topic, body, shop, sellerId },
      } satisfies ParsedDelivery<ShopifyDelivery>;
    },

    /**
     * - request: a new return from the full object (a request for a known return is a
     *   re-send, and the lifecycle leaves the case alone);
     * - approve: the full object merged onto the stored return, or a new one if the
     *   request never arrived;
     * - update: the delta merged onto the stored return; nothing to merge is ignored;
     * - decline, reopen, close: recorded on the case as updates with the facts unchanged.
     *   A merchant's decline is the seller's statement, not evidence, so the rule chain
     *   keeps deciding from the evidence; close does not close our case (CLOSED is final
     *   here, Shopify can reopen, and our refund may still be under way);
     * - cancel: cancels the case (the state machine refuses once money is moving);
     * - reverse delivery with tracking: the return parcel's carrier and tracking number, as a
     *   `return.shipment` (a label without tracking is acknowledged and ignored). Its scans
     *   and receipt are not in Shopify's webhooks: staff record them, or a carrier feed sends
     *   them as canonical `return.shipment` events.
     * Topics that need the stored return and find none await it: the use case holds them
     * and replays them when the return arrives (AWAIT_RETURN).
     */
    translate(parsed, context) {
      const { topic, body, sellerId } = parsed.data;
      // Arrival order: the event counts as happening when it is applied. A held event
      // replayed when its return arrives is thereby applied after the request, not dropped
      // as older than it.
      const occurredAt = context.receivedAt;
      const envelope = { schemaVersion: 1 as const, deliveryId: parsed.deliveryId, occurredAt };
      const stored = context.existing?.return;
      switch (topic) {
        case 'returns/request':
          return validPayload(
            { ...envelope, eventType: 'return.requested', return: returnFrom(body as ReturnObjectBody, sellerId, occurredAt) },
            topic,
          );
        case 'returns/approve': {
          const object = body as ReturnObjectBody;
          const ret = stored === undefined ? returnFrom(object, sellerId, occurredAt) : mergeReturnObject(stored, object, sellerId);
          return validPayload({ ...envelope, eventType: 'return.updated', return: ret }, topic);
        }
        case 'returns/update': {
          if (stored === undefined) return { kind: 'AWAIT_RETURN' };
          const merged = applyDelta(stored, body as z.infer<typeof ShopifyReturnsUpdateSchema>);
          if (merged === stored) return { kind: 'IGNORE', reason: 'NOTHING_TO_MERGE' };
          return validPayload({ ...envelope, eventType: 'return.updated', return: { ...merged, sellerId } }, topic);
        }
        case 'returns/decline':
        case 'returns/reopen':
        case 'returns/close':
          if (stored === undefined) return { kind: 'AWAIT_RETURN' };
          return validPayload({ ...envelope, eventType: 'return.updated', return: { ...stored, sellerId } }, topic);
        case 'reverse_deliveries/attach_deliverable': {
          if (stored === undefined) return { kind: 'AWAIT_RETURN' };
          const parcel = returnParcelOf(body as z.infer<typeof ShopifyReverseDeliveryAttachSchema>);
          if (parcel === undefined) return { kind: 'IGNORE', reason: 'NO_TRACKING_NUMBER' };
          return validPayload(
            {
              ...envelope,
              eventType: 'return.shipment',
              return: { marketplaceReturnId: parsed.marketplaceReturnId, orderId: stored.orderId, sellerId },
              shipment: { ...parcel, scans: [] },
            },
            topic,
          );
        }
        case 'reverse_fulfillment_orders/dispose':
          return disposalTranslation(parsed, context, envelope);
        case 'returns/cancel': {
          const orderId = 'order_id' in body && body.order_id !== undefined ? String(body.order_id) : stored?.orderId;
          if (orderId === undefined) return { kind: 'AWAIT_RETURN' };
          return validPayload(
            { ...envelope, eventType: 'return.cancelled', return: { marketplaceReturnId: parsed.marketplaceReturnId, orderId, sellerId } },
            topic,
          );
        }
      }
    },
    /**
     * A disposal names only its reverse fulfilment order: the Admin API says which return it
     * belongs to and what has been done with each unit so far. Unknown to Shopify, or not part
     * of any return: acknowledged and ignored. The Admin API not answering is a 503.
     */
    async locate(unlocated, orders) {
      const { body, shop } = unlocated.data;
      const id = reverseFulfillmentOrderGid(body as DisposeBody);
      let found: ReverseFulfilment | null;
      try {
        found = await orders.readReverseFulfilment(shop, id);
      } catch (error) {
        throw new DependencyUnavailableError(`Shopify's Admin API did not answer for ${id}; deliver it again later`, { cause: error });
      }
      if (found === null || found.returnId === null) {
        return { kind: 'IGNORE', reason: 'UNKNOWN_REVERSE_FULFILLMENT_ORDER', deliveryId: unlocated.deliveryId, log: unlocated.log };
      }
      return {
        ...unlocated,
        kind: 'PARSED',
        marketplaceReturnId: gidNumber(found.returnId),
        data: { ...unlocated.data, disposal: { lines: found.lines, parcels: found.parcels } },
      };
    },
    /**
     * A new case (returns/request, or an approve for a return never requested) completed from
     * the order through the Admin API (enrichedReturn). The Admin API not answering is a 503:
     * nothing is written and Shopify delivers again. An order it does not know, or facts that
     * would not fit the contract, leave the payload as the webhook made it.
     */
    async enrich(payload, parsed, orders) {
      const { topic, body, shop } = parsed.data;
      if (topic !== 'returns/request' && topic !== 'returns/approve') return payload;
      if (payload.eventType !== 'return.requested' && payload.eventType !== 'return.updated') return payload;
      let order: MarketplaceOrder | null;
      try {
        order = await orders.readOrder(shop, `gid://shopify/Order/${payload.return.orderId}`);
      } catch (error) {
        throw new DependencyUnavailableError(
          `Shopify's Admin API did not answer for order ${payload.return.orderId}; deliver it again later`,
          {
            cause: error,
          },
        );
      }
      if (order === null) return payload;
      const enriched = WebhookPayloadSchema.safeParse({
        ...payload,
        return: enrichedReturn(payload.return, body as ReturnObjectBody, order),
      });
      return enriched.success ? enriched.data : payload;
    },
  };
}
