import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { isKnownCurrency } from './money.ts';
import { ReasonCodeSchema } from './reason-codes.ts';
import { boundedText, storableInt, storableRate } from './storable.ts';

/**
 * Canonical marketplace payload, version 1.
 *
 * Every marketplace adapter translates its own webhook into this shape; the rest of the
 * system only ever sees this. It carries no raw personal data: the buyer is an opaque
 * reference chosen by the marketplace, and free text is bounded and never logged.
 */
export const PAYLOAD_SCHEMA_VERSION = 1;

/*
 * Size limits. A case item keeps the marketplace's latest snapshot of the return and the
 * evidence staff added (at most MAX_STAFF_EVIDENCE), and DynamoDB refuses any item over
 * 400 KB: these limits keep the largest case the contract allows under it with room to spare
 * (331,746 bytes, 81%: test/integration/case-size-bounds.test.ts builds that case through the
 * handlers and measures every item). Lengths count UTF-16 code units, as JavaScript and zod
 * do: free text takes up to 3 bytes per unit once stored; identifiers, timestamps and URIs are
 * ASCII, 1 byte each. The webhook body itself is at most 256 KiB (MAX_WEBHOOK_BYTES), which
 * the largest snapshot fits.
 */

/** Identifiers: ids of returns, orders, sellers, buyers, evidence, line items, SKUs, carriers. */
export const MAX_ID_LENGTH = 128;
/** The buyer's own words, in characters (UTF-16 code units: up to 6,000 bytes stored). */
export const MAX_REASON_DETAIL_LENGTH = 2_000;
/** An evidence file's https URL, ASCII. */
export const MAX_URI_LENGTH = 1_024;
/** Evidence items in one marketplace snapshot (staff may add MAX_STAFF_EVIDENCE more per case). */
export const MAX_RETURN_EVIDENCE = 100;
/**
 * Evidence items seller staff may add to one case, over all requests (the seller API's
 * POST /cases/{id}/evidence; functions/lib/workflow/staff-actions.ts). With the snapshot's,
 * a case holds at most MAX_CASE_EVIDENCE.
 */
export const MAX_STAFF_EVIDENCE = 100;
/** Evidence items staff may add in one request. */
export const MAX_STAFF_EVIDENCE_PER_REQUEST = 20;
/** Evidence items one case holds: the latest snapshot's and the staff's. */
export const MAX_CASE_EVIDENCE = MAX_RETURN_EVIDENCE + MAX_STAFF_EVIDENCE;
/** Carrier tracking events in one snapshot. */
export const MAX_TRACKING_EVENTS = 200;
/** Returned line items in one snapshot. */
export const MAX_LINE_ITEMS = 250;

/** Identifiers are opaque, printable and short; anything else is refused at the door. */
export const IdentifierSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(MAX_ID_LENGTH),
      z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must contain only letters, digits and . _ : -'),
    ))();

/**
 * The longest timestamp: `2026-11-06T09:00:00.123456789+01:00`, nanoseconds and an offset.
 * ISO 8601 sets no limit on fractional digits and neither does the format check, so without
 * this a single timestamp could fill the whole body.
 */
export const MAX_TIMESTAMP_LENGTH = 35;

export const TimestampSchema = /* @__PURE__ */ (() =>
  z.iso
    .datetime({ offset: true })
    .check(z.maxLength(MAX_TIMESTAMP_LENGTH, `must be at most ${MAX_TIMESTAMP_LENGTH} characters (at most 9 fractional digits)`)))();

/** Only codes the system can format and count in (contract/money.ts): a schema is a promise. */
export const CurrencySchema = /* @__PURE__ */ (() =>
  z
    .string()
    .check(
      z.length(3, { error: 'must be an ISO 4217 code such as EUR', abort: true }),
      z.regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code such as EUR', abort: true }),
      z.refine(isKnownCurrency, 'must be an ISO 4217 currency code (or XXX, not yet known)'),
      z.meta({ description: "ISO 4217 code, one of Intl.supportedValuesOf('currency'), or XXX when not yet known" }),
    ))();

/** Money is always integer minor units (cents, fen); a billion units is a sanity ceiling. */
export const MinorUnitsSchema = /* @__PURE__ */ (() => storableInt({ min: 0, max: 100_000_000_000 }))();

/** A parcel weight as a carrier records it; ten tonnes is a sanity ceiling. */
const GramsSchema = /* @__PURE__ */ (() => storableInt({ min: 1, max: 10_000_000 }))();

export const eventTypes = [
  'return.requested',
  'return.updated',
  'return.cancelled',
  'return.shipment',
  'replacement.shipment',
  'return.appealed',
] as const;
export const EventTypeSchema = /* @__PURE__ */ (() => z.enum(eventTypes))();
export type EventType = z.infer<typeof EventTypeSchema>;

export const shippingRegions = ['SAME_CITY', 'OTHER_PROVINCE', 'CROSS_BORDER'] as const;
export const ShippingRegionSchema = /* @__PURE__ */ (() => z.enum(shippingRegions))();

export const ticketTypes = ['RETURN', 'REPAIR', 'WARRANTY', 'COMPLAINT'] as const;

export const safetyHazards = ['NONE', 'WATER_LEAK', 'ELECTRIC_SHOCK', 'FIRE_RISK'] as const;

export const requestedRemedies = ['FULL_REFUND', 'PARTIAL_REFUND', 'RETURN_AND_REFUND', 'REPLACEMENT', 'REPAIR'] as const;

export const trackingEventTypes = [
  'PICKED_UP',
  'IN_TRANSIT',
  'EXCEPTION_DAMAGE',
  'LOST',
  'DELIVERY_ATTEMPT_FAILED',
  'DELIVERED',
  'RETURNED_TO_SENDER',
] as const;

export const TrackingEventSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    type: z.enum(trackingEventTypes),
    at: TimestampSchema,
    /** Parcel weight recorded by the scan, if the carrier weighed it. */
    weightGrams: z.optional(GramsSchema),
  }))();

export const CarrierSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    code: IdentifierSchema,
    trackingNumber: z.optional(IdentifierSchema),
    events: z._default(z.array(TrackingEventSchema).check(z.maxLength(MAX_TRACKING_EVENTS)), []),
    weightAtPickupGrams: z.optional(GramsSchema),
    weightAtDeliveryGrams: z.optional(GramsSchema),
    /** True when the seller chose a carrier the buyer or listing did not agree to. */
    notTheAgreedCarrier: z._default(z.boolean(), false),
  }))();

export const deliveryInspections = [
  'INSPECTED_OK',
  'DAMAGE_NOTED_AT_DELIVERY',
  'NOT_ALLOWED_BY_COURIER',
  'NOT_PERFORMED',
  'REFUSED_BY_BUYER',
  'UNKNOWN',
] as const;

export const evidenceSubmitters = ['BUYER', 'SELLER', 'CARRIER', 'INSTALLER', 'MARKETPLACE'] as const;
export const EvidenceSubmitterSchema = /* @__PURE__ */ (() => z.enum(evidenceSubmitters))();

const evidenceCommon = {
  id: IdentifierSchema,
  submittedBy: EvidenceSubmitterSchema,
  submittedAt: TimestampSchema,
  /**
   * Where the underlying file lives; never fetched by this service. ASCII, as RFC 3986 has
   * URIs (anything else percent-encoded), so its length in characters is its size in bytes.
   */
  uri: z
    .optional(
      z.url({ protocol: /^https$/ }).check(
        z.maxLength(MAX_URI_LENGTH),
        // A refinement, not a regex check: a pattern would replace `format: uri` in the published schema.
        z.refine((uri) => /^[\x21-\x7e]+$/.test(uri), 'must be ASCII: percent-encode any other character (RFC 3986)'),
      ),
    )
    .check(z.meta({ description: `https URL of the file, ASCII (percent-encoded), at most ${MAX_URI_LENGTH} characters; never fetched` })),
};

/** One variant per kind of evidence, each with the findings that kind can have. */
export const EvidenceSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('kind', [
    z.strictObject({
      ...evidenceCommon,
      kind: z.literal('PACKAGING_PHOTO'),
      finding: z.enum(['INTACT', 'CRUSHED', 'TORN', 'WET']),
    }),
    z.strictObject({
      ...evidenceCommon,
      kind: z.literal('PRODUCT_PHOTO'),
      finding: z.enum(['DAMAGED', 'DEFECTIVE', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_PICTURED', 'FINE']),
    }),
    z.strictObject({
      ...evidenceCommon,
      kind: z.literal('INSTALLER_REPORT'),
      finding: z.enum(['DEFECT_FOUND', 'MISUSE_FOUND', 'NO_FAULT']),
    }),
    z.strictObject({
      ...evidenceCommon,
      kind: z.literal('SERIAL_CHECK'),
      finding: z.enum(['MATCH', 'MISMATCH']),
    }),
    z.strictObject({
      ...evidenceCommon,
      kind: z.literal('PRESALE_CHAT'),
      finding: z.enum(['MISLEADING_ADVICE', 'ACCURATE_ADVICE']),
    }),
    z.strictObject({
      ...evidenceCommon,
      kind: z.literal('ADDRESS_CHECK'),
      finding: z.enum(['ADDRESS_AS_GIVEN_BY_BUYER_WRONG', 'ADDRESS_CORRECT', 'BUYER_UNREACHABLE']),
    }),
  ]))();
export type Evidence = z.infer<typeof EvidenceSchema>;

export const repairStatuses = ['IN_PROGRESS', 'COMPLETED', 'FAILED'] as const;
/** Repair attempts are counted up to this; more is not a repair any longer. */
export const MAX_REPAIR_ATTEMPTS = 100;

/**
 * A repair: when it started, how many attempts were made (and how many failed), and the
 * completion the seller promised. Past the policy's overrun limit, or after the policy's
 * number of failed attempts, the buyer is owed a refund (domain brief, "the return leg").
 */
export const RepairSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    status: z.enum(repairStatuses),
    startedAt: TimestampSchema,
    promisedCompletionAt: z.optional(TimestampSchema),
    attempts: z._default(storableInt({ min: 0, max: MAX_REPAIR_ATTEMPTS }), 0),
    failedAttempts: z._default(storableInt({ min: 0, max: MAX_REPAIR_ATTEMPTS }), 0),
    /** Parts the repair waits for are back-ordered. */
    partsBackordered: z._default(z.boolean(), false),
  }))();
export type Repair = z.infer<typeof RepairSchema>;

export const TimelineSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      orderedAt: TimestampSchema,
      shippedAt: z.optional(TimestampSchema),
      promisedDeliveryAt: z.optional(TimestampSchema),
      /** The latest date the seller promised to hand the parcel to the carrier. */
      promisedShipBy: z.optional(TimestampSchema),
      deliveredAt: z.optional(TimestampSchema),
      claimedAt: TimestampSchema,
    })
    .check(
      z.superRefine((t, ctx) => {
        const order: [keyof typeof t, keyof typeof t][] = [
          ['orderedAt', 'shippedAt'],
          ['shippedAt', 'deliveredAt'],
          ['orderedAt', 'claimedAt'],
          ['orderedAt', 'deliveredAt'],
        ];
        for (const [before, after] of order) {
          const a = t[before];
          const b = t[after];
          if (a !== undefined && b !== undefined && Date.parse(b) < Date.parse(a)) {
            ctx.addIssue({ code: 'custom', path: [after], message: `must not be before ${before}` });
          }
        }
      }),
    ))();

export const MoneySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    currency: CurrencySchema,
    itemValue: MinorUnitsSchema,
    amountPaid: MinorUnitsSchema,
    /** Outbound shipping cost at the seller's own rate. */
    shippingCost: z._default(MinorUnitsSchema, 0),
  }))();

/** Who took the buyer's payment, so a refund goes back through it (#16). */
export const paymentProviders = ['stripe', 'shopify', 'http'] as const;
export type PaymentProviderKind = (typeof paymentProviders)[number];
/** Payments per return, at most: an order is paid once or a few times (split tenders). */
export const MAX_PAYMENTS = 10;

/**
 * One payment of the order the return is about: the provider, its own id for it (a Stripe
 * payment intent `pi_…`, a Shopify order transaction, the generic provider's reference) and
 * what it captured. A refund names the payment it goes back to and never exceeds what that
 * payment captured, summed over every refund made on it.
 */
export const PaymentReferenceSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    provider: z.enum(paymentProviders),
    reference: IdentifierSchema,
    captured: MinorUnitsSchema.check(z.positive()),
    currency: CurrencySchema,
  }))();
export type PaymentReference = z.infer<typeof PaymentReferenceSchema>;

export const ReturnSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    marketplaceReturnId: IdentifierSchema,
    orderId: IdentifierSchema,
    sellerId: IdentifierSchema,
    /** Opaque buyer reference from the marketplace; never a name, e-mail or phone. */
    buyerRef: IdentifierSchema.check(z.refine((v) => !v.includes('@'), 'must be an opaque reference, not an e-mail')),
    /**
     * The buyer's language as a BCP 47 tag (`en`, `zh-CN`), additive (#21): notifications are
     * worded in it when supported (en, zh-CN), else in the marketplace's default.
     */
    locale: z.optional(
      z.string().check(z.maxLength(35), z.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$/, 'must be a BCP 47 language tag such as en or zh-CN')),
    ),
    reason: ReasonCodeSchema,
    /** Buyer's own words; may hold personal data, so it is stored but never logged. */
    reasonDetail: z.optional(boundedText(MAX_REASON_DETAIL_LENGTH)),
    ticketType: z._default(z.enum(ticketTypes), 'RETURN'),
    safetyHazard: z._default(z.enum(safetyHazards), 'NONE'),
    timeline: TimelineSchema,
    money: MoneySchema,
    /**
     * The order's payments (additive, optional): refunds go back through them, each at most
     * what it captured. Absent: the refund goes to the provider configured for the marketplace
     * without a payment to name (the generic HTTP provider accepts that; Stripe does not).
     */
    payments: z.optional(
      z.array(PaymentReferenceSchema).check(
        z.maxLength(MAX_PAYMENTS),
        z.refine((ps) => new Set(ps.map((p) => `${p.provider}:${p.reference}`)).size === ps.length, 'must not name a payment twice'),
      ),
    ),
    shippingRegion: ShippingRegionSchema,
    carrier: z.optional(CarrierSchema),
    deliveryInspection: z._default(z.enum(deliveryInspections), 'UNKNOWN'),
    evidence: z._default(z.array(EvidenceSchema).check(z.maxLength(MAX_RETURN_EVIDENCE)), []).check(
      z.meta({
        description: `At most ${MAX_RETURN_EVIDENCE} items per snapshot; each update replaces them. Seller staff add up to ${MAX_STAFF_EVIDENCE} more per case (POST /cases/{id}/evidence), kept apart`,
      }),
    ),
    requestedRemedy: z.enum(requestedRemedies),
    /**
     * Amount the buyer asked for, in minor units of `money.currency` (a partial refund as
     * compensation, or the value of missing items). Optional; the rule chain anchors
     * compensation to the policy band when it is absent.
     */
    requestedAmount: z.optional(MinorUnitsSchema),
    /**
     * The returned line items, for marketplaces that report a reason per item (Shopify).
     * Optional and informational: `reason` above is what the rule chain weighs; an adapter
     * derives it from these items and keeps them so a later delta (an item removed) can be
     * merged onto the stored return.
     */
    items: z.optional(
      z
        .array(
          z.strictObject({
            id: IdentifierSchema,
            quantity: storableInt({ min: 0, max: 100_000 }),
            reason: ReasonCodeSchema,
            /**
             * Price of one unit as paid, minor units of `money.currency` (added in judgement v2).
             * With it, items reported missing are refunded at their own value.
             */
            unitValue: z.optional(MinorUnitsSchema),
          }),
        )
        .check(z.maxLength(MAX_LINE_ITEMS)),
    ),
    /** A repair under way or attempted (ticket type REPAIR or WARRANTY); judgement v2. */
    repair: z.optional(RepairSchema),
    listing: z.strictObject({
      /** The return window the listing promised, in days; the policy's default applies when absent. */
      returnWindowDays: z.optional(storableInt({ min: 0, max: 365 })),
      sku: z.optional(IdentifierSchema),
    }),
    signals: z._default(
      z.strictObject({
        buyerClaimRate: z.optional(storableRate()),
        buyerPriorAbuse: z.optional(z.boolean()),
        sellerDefectRate: z.optional(storableRate()),
      }),
      {},
    ),
  }))();
export type ReturnV1 = z.infer<typeof ReturnSchema>;

const envelopeCommon = {
  schemaVersion: z.literal(PAYLOAD_SCHEMA_VERSION),
  /** Unique per delivery attempt chain: a retry of the same event carries the same id. */
  deliveryId: IdentifierSchema,
  occurredAt: TimestampSchema,
};

export const CancellationSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    marketplaceReturnId: IdentifierSchema,
    orderId: IdentifierSchema,
    sellerId: IdentifierSchema,
  }))();

/* ------------------------------------------------------------------------------------------ */
/* The return leg (additive to v1): the parcel the buyer sends back, its receipt, its inspection */
/* ------------------------------------------------------------------------------------------ */

/** Carrier scans of the return parcel, buyer → seller. */
export const returnScanTypes = ['PICKED_UP', 'IN_TRANSIT', 'DELIVERED_TO_SELLER', 'LOST'] as const;

export const ReturnScanSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    type: z.enum(returnScanTypes),
    at: TimestampSchema,
  }))();
export type ReturnScan = z.infer<typeof ReturnScanSchema>;

/** What the seller (or the marketplace's return centre) found in the returned parcel. */
export const inspectionOutcomes = ['AS_SENT', 'USED_OR_DAMAGED_BY_BUYER', 'NOT_THE_ITEM_SENT', 'PARTS_MISSING'] as const;
export type InspectionOutcome = (typeof inspectionOutcomes)[number];
/** Condition of a used or damaged item, A (like new) to D (heavily used or broken). */
export const conditionGrades = ['A', 'B', 'C', 'D'] as const;
export type ConditionGrade = (typeof conditionGrades)[number];

export const InspectionSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      outcome: z.enum(inspectionOutcomes),
      /** Required with USED_OR_DAMAGED_BY_BUYER: it prices the depreciation. */
      conditionGrade: z.optional(z.enum(conditionGrades)),
      inspectedAt: TimestampSchema,
      /** For NOT_THE_ITEM_SENT: the serial number or SKU found, so staff can compare it. */
      foundSkuOrSerial: z.optional(IdentifierSchema),
    })
    .check((ctx) => {
      if (ctx.value.outcome === 'USED_OR_DAMAGED_BY_BUYER' && ctx.value.conditionGrade === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          path: ['conditionGrade'],
          message: 'is required for USED_OR_DAMAGED_BY_BUYER',
        });
      }
    }))();
export type Inspection = z.infer<typeof InspectionSchema>;

/**
 * The return parcel as the marketplace (or its carrier feed) reports it: a full snapshot
 * each time, like the return itself. Scans are merged with those already on the case.
 */
export const ReturnShipmentSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    carrier: IdentifierSchema,
    trackingNumber: IdentifierSchema,
    scans: z._default(z.array(ReturnScanSchema).check(z.maxLength(MAX_TRACKING_EVENTS)), []),
    /** When the seller or its warehouse took the parcel in. */
    receivedAt: z.optional(TimestampSchema),
    /** The inspection of what came back, when the marketplace's return centre did it. */
    inspection: z.optional(InspectionSchema),
  }))();
export type ReturnShipment = z.infer<typeof ReturnShipmentSchema>;

/** Carrier scans of a replacement sent to the buyer (a reship), seller → buyer. */
export const replacementScanTypes = ['PICKED_UP', 'IN_TRANSIT', 'DELIVERED', 'LOST'] as const;

/**
 * The replacement parcel of a reship: delivered, the case is resolved; lost, or delivered
 * after the promised date, the case re-opens for staff. Scans are merged like the return's.
 */
export const ReplacementShipmentSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    carrier: IdentifierSchema,
    trackingNumber: IdentifierSchema,
    promisedDeliveryAt: z.optional(TimestampSchema),
    scans: z._default(
      z.array(z.strictObject({ type: z.enum(replacementScanTypes), at: TimestampSchema })).check(z.maxLength(MAX_TRACKING_EVENTS)),
      [],
    ),
  }))();
export type ReplacementShipment = z.infer<typeof ReplacementShipmentSchema>;

/** The canonical webhook body. `return.cancelled` carries only the identifiers. */
export const WebhookPayloadSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('eventType', [
    z.strictObject({ ...envelopeCommon, eventType: z.literal('return.requested'), return: ReturnSchema }),
    z.strictObject({ ...envelopeCommon, eventType: z.literal('return.updated'), return: ReturnSchema }),
    z.strictObject({ ...envelopeCommon, eventType: z.literal('return.cancelled'), return: CancellationSchema }),
    /** The return parcel: carrier, tracking, scans, receipt and inspection (additive to v1). */
    z.strictObject({
      ...envelopeCommon,
      eventType: z.literal('return.shipment'),
      return: CancellationSchema,
      shipment: ReturnShipmentSchema,
    }),
    /** The replacement parcel of a reship (additive to v1). */
    z.strictObject({
      ...envelopeCommon,
      eventType: z.literal('replacement.shipment'),
      return: CancellationSchema,
      replacement: ReplacementShipmentSchema,
    }),
    /** The buyer appealed the decision on the marketplace (additive to v1, #19): re-opens it once, within the appeal window. */
    z.strictObject({ ...envelopeCommon, eventType: z.literal('return.appealed'), return: CancellationSchema }),
  ]))();
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
export type WebhookPayloadInput = z.input<typeof WebhookPayloadSchema>;
