import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { ReasonCodeSchema, reasonFamilyOf, type ReasonFamily } from '../contract/reason-codes.ts';
import {
  CurrencySchema,
  EvidenceSchema,
  IdentifierSchema,
  MAX_LINE_ITEMS,
  MAX_REPAIR_ATTEMPTS,
  MinorUnitsSchema,
  ShippingRegionSchema,
  repairStatuses,
  TimestampSchema,
  TrackingEventSchema,
  deliveryInspections,
  requestedRemedies,
  safetyHazards,
  ticketTypes,
  conditionGrades,
  inspectionOutcomes,
  type EvidenceSubmitterSchema,
  type ReturnV1,
} from '../contract/return-payload.ts';
import type { MoneyBand, Policy } from './policy.ts';

/**
 * Facts: the normalized, self-contained input of the rule chain.
 *
 * Built from a case (see {@link factsFromReturn}) and frozen into the decision record, so a
 * decision can be replayed later from its facts and policy alone. Everything is explicit (no
 * zod defaults), times are ISO strings, money is integer minor units, and `decidedAt` is an
 * input: the engine never reads the clock.
 */

const [packagingPhoto, productPhoto, installerReport, serialCheck, presaleChat, addressCheck] = EvidenceSchema._zod.def.options;

const factEvidenceFields = { kind: true, finding: true, submittedBy: true } as const;

/**
 * One piece of evidence as the rules see it: kind, finding and who submitted it. Identifiers,
 * file locations and timestamps stay on the case; they do not change who is at fault.
 */
export const FactEvidenceSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('kind', [
    z.pick(packagingPhoto, factEvidenceFields),
    z.pick(productPhoto, factEvidenceFields),
    z.pick(installerReport, factEvidenceFields),
    z.pick(serialCheck, factEvidenceFields),
    z.pick(presaleChat, factEvidenceFields),
    z.pick(addressCheck, factEvidenceFields),
  ]))();
export type FactEvidence = z.infer<typeof FactEvidenceSchema>;
export type EvidenceSubmitter = z.infer<typeof EvidenceSubmitterSchema>;

const timelineOrder = [
  ['orderedAt', 'shippedAt'],
  ['shippedAt', 'deliveredAt'],
  ['orderedAt', 'claimedAt'],
  ['orderedAt', 'deliveredAt'],
] as const;

export const FactTimelineSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      orderedAt: TimestampSchema,
      shippedAt: z.optional(TimestampSchema),
      promisedShipBy: z.optional(TimestampSchema),
      promisedDeliveryAt: z.optional(TimestampSchema),
      deliveredAt: z.optional(TimestampSchema),
      claimedAt: TimestampSchema,
      /** When the decision is taken; supplied by the caller's clock. */
      decidedAt: TimestampSchema,
    })
    .check((ctx) => {
      const t = ctx.value;
      for (const [before, after] of timelineOrder) {
        const a = t[before];
        const b = t[after];
        if (a !== undefined && b !== undefined && Date.parse(b) < Date.parse(a)) {
          ctx.issues.push({ code: 'custom', input: t, path: [after], message: `must not be before ${before}` });
        }
      }
    }))();

export const FactsSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    reason: ReasonCodeSchema,
    ticketType: z.enum(ticketTypes),
    requestedRemedy: z.enum(requestedRemedies),
    /** Amount the buyer asked for (minor units), when the marketplace passes one. */
    requestedAmount: z.optional(MinorUnitsSchema),
    safetyHazard: z.enum(safetyHazards),
    timeline: FactTimelineSchema,
    money: z.strictObject({
      currency: CurrencySchema,
      itemValue: MinorUnitsSchema,
      amountPaid: MinorUnitsSchema,
      /** Outbound shipping at the seller's own rate. */
      shippingCost: MinorUnitsSchema,
    }),
    shippingRegion: ShippingRegionSchema,
    carrier: z.strictObject({
      code: z.optional(IdentifierSchema),
      /** Tracking scans in time order. */
      events: z.array(TrackingEventSchema).check(z.maxLength(200)),
      weightAtPickupGrams: z.optional(z.int().check(z.positive(), z.lte(10_000_000))),
      weightAtDeliveryGrams: z.optional(z.int().check(z.positive(), z.lte(10_000_000))),
      notTheAgreedCarrier: z.boolean(),
    }),
    deliveryInspection: z.enum(deliveryInspections),
    evidence: z.array(FactEvidenceSchema).check(z.maxLength(100)),
    listing: z.strictObject({ returnWindowDays: z.optional(z.int().check(z.gte(0), z.lte(365))) }),
    buyer: z.strictObject({
      claimRate: z.optional(z.number().check(z.gte(0), z.lte(1))),
      priorAbuse: z.boolean(),
    }),
    seller: z.strictObject({ defectRate: z.optional(z.number().check(z.gte(0), z.lte(1))) }),
    /** Returned line items with their reason and unit value (judgement v2); values missing items. */
    lineItems: z.optional(
      z
        .array(
          z.strictObject({
            quantity: z.int().check(z.gte(0), z.lte(100_000)),
            reason: ReasonCodeSchema,
            unitValue: z.optional(MinorUnitsSchema),
          }),
        )
        .check(z.maxLength(MAX_LINE_ITEMS)),
    ),
    /** A repair under way or attempted (judgement v2). */
    repair: z.optional(
      z.strictObject({
        status: z.enum(repairStatuses),
        startedAt: TimestampSchema,
        promisedCompletionAt: z.optional(TimestampSchema),
        attempts: z.int().check(z.gte(0), z.lte(MAX_REPAIR_ATTEMPTS)),
        failedAttempts: z.int().check(z.gte(0), z.lte(MAX_REPAIR_ATTEMPTS)),
        partsBackordered: z.boolean(),
      }),
    ),
    /** The goods on their way back (return leg): shipped, received, and what an inspection found. */
    returnLeg: z.optional(
      z.strictObject({
        shipped: z.boolean(),
        received: z.boolean(),
        inspection: z.optional(
          z.strictObject({ outcome: z.enum(inspectionOutcomes), conditionGrade: z.optional(z.enum(conditionGrades)) }),
        ),
      }),
    ),
  }))();
export type Facts = z.infer<typeof FactsSchema>;

/**
 * Build facts from a canonical return payload (pure).
 *
 * Steps: copy the claim, money and listing fields; sort tracking scans by time (marketplaces
 * deliver them in any order); take parcel weights from the carrier record or, failing that,
 * from the pickup and delivery scans; reduce evidence to kind, finding and submitter. Times
 * missing from the timeline stay missing: the fact view falls back to the scans itself.
 *
 * @param ret - a payload already validated by `ReturnSchema`.
 * @param decidedAt - ISO timestamp of the decision, from the caller's clock.
 * @returns facts ready for `decide`.
 */
export function factsFromReturn(ret: ReturnV1, decidedAt: string, returnLeg?: Facts['returnLeg']): Facts {
  const events = (ret.carrier?.events ?? [])
    .map((e, i) => ({ e, i, at: Date.parse(e.at) }))
    // Stable: scans with equal times keep the marketplace's order.
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ e }) => (e.weightGrams === undefined ? { type: e.type, at: e.at } : { type: e.type, at: e.at, weightGrams: e.weightGrams }));
  const firstWeight = (type: string) => events.find((e) => e.type === type && e.weightGrams !== undefined)?.weightGrams;

  return {
    reason: ret.reason,
    ticketType: ret.ticketType,
    requestedRemedy: ret.requestedRemedy,
    ...(ret.requestedAmount === undefined ? {} : { requestedAmount: ret.requestedAmount }),
    safetyHazard: ret.safetyHazard,
    timeline: {
      orderedAt: ret.timeline.orderedAt,
      ...(ret.timeline.shippedAt === undefined ? {} : { shippedAt: ret.timeline.shippedAt }),
      ...(ret.timeline.promisedShipBy === undefined ? {} : { promisedShipBy: ret.timeline.promisedShipBy }),
      ...(ret.timeline.promisedDeliveryAt === undefined ? {} : { promisedDeliveryAt: ret.timeline.promisedDeliveryAt }),
      ...(ret.timeline.deliveredAt === undefined ? {} : { deliveredAt: ret.timeline.deliveredAt }),
      claimedAt: ret.timeline.claimedAt,
      decidedAt,
    },
    money: {
      currency: ret.money.currency,
      itemValue: ret.money.itemValue,
      amountPaid: ret.money.amountPaid,
      shippingCost: ret.money.shippingCost,
    },
    shippingRegion: ret.shippingRegion,
    carrier: optionalFields(
      {
        events,
        notTheAgreedCarrier: ret.carrier?.notTheAgreedCarrier ?? false,
      },
      {
        code: ret.carrier?.code,
        weightAtPickupGrams: ret.carrier?.weightAtPickupGrams ?? firstWeight('PICKED_UP'),
        weightAtDeliveryGrams: ret.carrier?.weightAtDeliveryGrams ?? firstWeight('DELIVERED'),
      },
    ),
    deliveryInspection: ret.deliveryInspection,
    evidence: ret.evidence.map((e) => ({ kind: e.kind, finding: e.finding, submittedBy: e.submittedBy }) as FactEvidence),
    listing: ret.listing.returnWindowDays === undefined ? {} : { returnWindowDays: ret.listing.returnWindowDays },
    buyer: optionalFields({ priorAbuse: ret.signals.buyerPriorAbuse ?? false }, { claimRate: ret.signals.buyerClaimRate }),
    seller: optionalFields({}, { defectRate: ret.signals.sellerDefectRate }),
    ...(ret.items === undefined
      ? {}
      : {
          lineItems: ret.items.map((i) =>
            i.unitValue === undefined
              ? { quantity: i.quantity, reason: i.reason }
              : { quantity: i.quantity, reason: i.reason, unitValue: i.unitValue },
          ),
        }),
    ...(ret.repair === undefined
      ? {}
      : {
          repair: optionalFields(
            {
              status: ret.repair.status,
              startedAt: ret.repair.startedAt,
              attempts: ret.repair.attempts,
              failedAttempts: ret.repair.failedAttempts,
              partsBackordered: ret.repair.partsBackordered,
            },
            { promisedCompletionAt: ret.repair.promisedCompletionAt },
          ),
        }),
    ...(returnLeg === undefined ? {} : { returnLeg }),
  };
}

/** Adds the defined optional fields only, so facts never carry `key: undefined` into storage. */
function optionalFields<T extends object, O extends Record<string, unknown>>(
  base: T,
  optional: O,
): T & { [K in keyof O]?: Exclude<O[K], undefined> } {
  const out: Record<string, unknown> = Object.assign({}, base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) out[k] = v;
  return out as T & { [K in keyof O]?: Exclude<O[K], undefined> };
}

/* ------------------------------------------------------------------------------------------ */
/* Fact view: per-case lookups computed once, so each rule is a handful of field reads.        */
/* ------------------------------------------------------------------------------------------ */

/** Where the claim stands against the no-reason return window. */
export type WindowPosition = 'INSIDE' | 'OUTSIDE' | 'NOT_DELIVERED';

/**
 * Everything the rules read, derived once per decision from facts and policy.
 *
 * Evidence findings are strengths in 0..1 (0 = absent): 1 for a neutral or incriminating
 * submitter, {@link SELF_SERVING_FACTOR} when the evidence clears the very party that
 * submitted it (a seller's photo of a crushed box, a carrier's photo of an intact one).
 */
export interface FactView {
  readonly facts: Facts;
  readonly family: ReasonFamily;
  /** The buyer's own stated reason puts the cause on the buyer's side (BUYER family). */
  readonly buyerDeclared: boolean;

  readonly packagingIntact: number;
  /** Crushed, torn or wet. */
  readonly packagingDamaged: number;
  readonly hasPackagingPhoto: boolean;
  readonly productDamaged: number;
  readonly productDefective: number;
  readonly productWrongItem: number;
  readonly productMissingParts: number;
  readonly productNotAsPictured: number;
  readonly productFine: number;
  readonly installerDefect: number;
  readonly installerMisuse: number;
  readonly installerNoFault: number;
  /** Strongest sign that the product itself is damaged or defective (photo or installer). */
  readonly productProblem: number;
  readonly serialMatch: number;
  readonly serialMismatch: number;
  /** A mismatch reported by the seller on the returned unit: possible swap by the buyer. */
  readonly serialMismatchBySeller: boolean;
  readonly adviceMisleading: number;
  readonly adviceAccurate: number;
  readonly addressWrong: number;
  readonly buyerUnreachable: number;
  readonly addressCorrect: number;
  readonly evidenceCount: number;

  readonly scanDamage: boolean;
  readonly scanLost: boolean;
  readonly scanDelivered: boolean;
  readonly scanAttemptFailed: boolean;
  readonly damageNotedAtDelivery: boolean;
  /** Grams lost between pickup and delivery, when both weights are known. */
  readonly weightLossGrams: number | undefined;
  readonly weightLost: boolean;
  /** Share of the pickup weight missing at delivery (0..1), when both weights are known. */
  readonly weightShortfallRatio: number | undefined;
  readonly scanReturnedToSender: boolean;
  /** Whole days since the carrier's last movement scan (any scan but a damage exception), for a shipped parcel never delivered (NaN otherwise). */
  readonly silentDays: number;
  /** Shipped, never delivered, no LOST scan, and silent for at least the policy's days for its route. */
  readonly parcelSilent: boolean;
  /** The seller used a carrier the buyer did not agree to: it answers for that carrier. */
  readonly substituteCarrier: boolean;
  /**
   * Value of the items reported missing: from the returned line items' unit values or, failing
   * those, the weight shortfall against the item value. Undefined when neither is known.
   */
  readonly missingItemsValue: number | undefined;
  /** A repair is on record and has run past the policy's limits (see repairOverrunText). */
  readonly repairOverrun: boolean;
  /** Days the repair is past its promised completion (or past the policy's reasonable duration). */
  readonly repairOverrunDays: number;
  readonly repairFailedAttempts: number;

  /** Handed to the carrier at or before the claim. */
  readonly shipped: boolean;
  readonly delivered: boolean;
  readonly promisedShipByKnown: boolean;
  readonly promisedDeliveryKnown: boolean;
  /** Shipped after the promised ship-by time, or still unshipped when it passed. */
  readonly shippedLate: boolean;
  /** Delivered after the promised time, or still undelivered when it passed. */
  readonly deliveredLate: boolean;
  readonly lateByHours: number;
  readonly returnWindowDays: number;
  readonly windowPosition: WindowPosition;
  readonly daysFromDeliveryToClaim: number | undefined;

  readonly claimedAtMs: number;
  readonly highValue: boolean;
  /** Compensation band for this case's currency, region and value; undefined if the policy has none. */
  readonly band: MoneyBand | undefined;
  readonly buyerHighClaimRate: boolean;
  readonly buyerPriorAbuse: boolean;
  readonly sellerHighDefectRate: boolean;
}

/** Weight of evidence that clears the party who submitted it. */
export const SELF_SERVING_FACTOR = 0.6;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Strength of a finding that clears `cleared`: reduced when that party submitted it. */
function clearing(by: EvidenceSubmitter, cleared: EvidenceSubmitter): number {
  return by === cleared ? SELF_SERVING_FACTOR : 1;
}

const DIGIT_0 = 48;

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Epoch milliseconds of an ISO timestamp in the shape `TimestampSchema` accepts
 * (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`), without `Date.parse`, which costs more than
 * the rest of a decision put together. Fractions beyond milliseconds are truncated, as
 * `Date.parse` does; anything of another shape falls back to `Date.parse`. Exported for tests.
 */
export function parseIsoMs(iso: string): number {
  const n = iso.length;
  if (n < 20 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45 || iso.charCodeAt(10) !== 84) {
    return Date.parse(iso);
  }
  if (iso.charCodeAt(13) !== 58 || iso.charCodeAt(16) !== 58) return Date.parse(iso);
  let i = 19;
  let ms = 0;
  if (iso.charCodeAt(i) === 46) {
    i++;
    const start = i;
    while (i < n) {
      const d = iso.charCodeAt(i) - DIGIT_0;
      if (d < 0 || d > 9) break;
      // Milliseconds from the first three digits; later digits are truncated.
      if (i - start < 3) ms += d * (i - start === 0 ? 100 : i - start === 1 ? 10 : 1);
      i++;
    }
    if (i === start) return Date.parse(iso);
  }
  let offsetMinutes = 0;
  const zone = iso.charCodeAt(i);
  if (zone === 90 && i === n - 1) {
    offsetMinutes = 0;
  } else if ((zone === 43 || zone === 45) && i === n - 6 && iso.charCodeAt(i + 3) === 58) {
    offsetMinutes = (digits(iso, i + 1, 2) * 60 + digits(iso, i + 4, 2)) * (zone === 45 ? -1 : 1);
  } else {
    return Date.parse(iso);
  }
  const t = Date.UTC(
    digits(iso, 0, 4),
    digits(iso, 5, 2) - 1,
    digits(iso, 8, 2),
    digits(iso, 11, 2),
    digits(iso, 14, 2),
    digits(iso, 17, 2),
    ms,
  );
  // Date.UTC maps years 0-99 to 1900-1999; let Date.parse handle those and any bad digit.
  const earlyYear = iso.charCodeAt(0) === DIGIT_0 && iso.charCodeAt(1) === DIGIT_0;
  return Number.isNaN(t) || Number.isNaN(offsetMinutes) || earlyYear ? Date.parse(iso) : t - offsetMinutes * 60_000;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad(n: number, width: number): string {
  const t = `${n}`;
  return t.length >= width ? t : '0'.repeat(width - t.length) + t;
}

/**
 * `new Date(ms).toISOString()` for years 0000-9999, by integer arithmetic (days to civil date,
 * after H. Hinnant), at a fraction of the cost. Exported for tests.
 */
export function formatIsoMs(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9_999 || !Number.isFinite(ms)) return new Date(ms).toISOString();
  const hour = Math.floor(rest / HOUR_MS);
  rest -= hour * HOUR_MS;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1_000);
  const milli = rest - second * 1_000;
  return `${pad(year, 4)}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${pad(milli, 3)}Z`;
}

function parseOptional(iso: string | undefined): number {
  return iso === undefined ? Number.NaN : parseIsoMs(iso);
}

/**
 * Derive the fact view once per decision.
 *
 * Steps: one pass over evidence (strongest finding per kind), one pass over tracking scans,
 * then timeline arithmetic (lateness, return window) and money lookups (compensation band).
 * Missing times are NaN, and every comparison with NaN is false, so "unknown" never counts as
 * "late" or "outside the window".
 *
 * @param facts - validated facts.
 * @param policy - the policy in force (window days, thresholds, bands).
 */
export function viewFacts(facts: Facts, policy: Policy): FactView {
  let packagingIntact = 0;
  let packagingDamaged = 0;
  let productDamaged = 0;
  let productDefective = 0;
  let productWrongItem = 0;
  let productMissingParts = 0;
  let productNotAsPictured = 0;
  let productFine = 0;
  let installerDefect = 0;
  let installerMisuse = 0;
  let installerNoFault = 0;
  let serialMatch = 0;
  let serialMismatch = 0;
  let serialMismatchBySeller = false;
  let adviceMisleading = 0;
  let adviceAccurate = 0;
  let addressWrong = 0;
  let buyerUnreachable = 0;
  let addressCorrect = 0;
  let hasPackagingPhoto = false;

  // Each finding's strength is 1, or SELF_SERVING_FACTOR when it clears its own submitter.
  for (const e of facts.evidence) {
    const by = e.submittedBy;
    switch (e.kind) {
      case 'PACKAGING_PHOTO':
        hasPackagingPhoto = true;
        if (e.finding === 'INTACT') packagingIntact = Math.max(packagingIntact, clearing(by, 'CARRIER'));
        else packagingDamaged = Math.max(packagingDamaged, clearing(by, 'SELLER'));
        break;
      case 'PRODUCT_PHOTO':
        // Photos of a problem are the buyer's normal channel: never discounted.
        if (e.finding === 'DAMAGED') productDamaged = 1;
        else if (e.finding === 'DEFECTIVE') productDefective = 1;
        else if (e.finding === 'WRONG_ITEM') productWrongItem = 1;
        else if (e.finding === 'MISSING_PARTS') productMissingParts = 1;
        else if (e.finding === 'NOT_AS_PICTURED') productNotAsPictured = 1;
        else productFine = Math.max(productFine, clearing(by, 'SELLER'));
        break;
      case 'INSTALLER_REPORT':
        if (e.finding === 'DEFECT_FOUND') installerDefect = 1;
        else if (e.finding === 'MISUSE_FOUND') installerMisuse = Math.max(installerMisuse, clearing(by, 'SELLER'));
        else installerNoFault = Math.max(installerNoFault, clearing(by, 'SELLER'));
        break;
      case 'SERIAL_CHECK':
        if (e.finding === 'MATCH') serialMatch = Math.max(serialMatch, clearing(by, 'SELLER'));
        else {
          serialMismatch = 1;
          if (by === 'SELLER') serialMismatchBySeller = true;
        }
        break;
      case 'PRESALE_CHAT':
        if (e.finding === 'MISLEADING_ADVICE') adviceMisleading = 1;
        else adviceAccurate = Math.max(adviceAccurate, clearing(by, 'SELLER'));
        break;
      case 'ADDRESS_CHECK': {
        // A wrong or unreachable address clears both the seller and the carrier.
        const clearsSellerAndCarrier = by === 'SELLER' || by === 'CARRIER' ? SELF_SERVING_FACTOR : 1;
        if (e.finding === 'ADDRESS_AS_GIVEN_BY_BUYER_WRONG') addressWrong = Math.max(addressWrong, clearsSellerAndCarrier);
        else if (e.finding === 'BUYER_UNREACHABLE') buyerUnreachable = Math.max(buyerUnreachable, clearsSellerAndCarrier);
        else addressCorrect = Math.max(addressCorrect, clearing(by, 'BUYER'));
        break;
      }
    }
  }

  const t = facts.timeline;
  const claimedAtMs = parseIsoMs(t.claimedAt);
  const decidedAtMs = parseIsoMs(t.decidedAt);

  let scanDamage = false;
  let scanLost = false;
  let scanAttemptFailed = false;
  let scanReturnedToSender = false;
  let lastScanMs = Number.NaN;
  let firstDeliveredMs = Number.NaN;
  let firstMovementMs = Number.NaN;
  for (const ev of facts.carrier.events) {
    // Silence is "no movement": a damage exception is not progress. Facts keep scans in time
    // order, but a hand-built list may not be, so the latest movement is taken.
    if (ev.type !== 'EXCEPTION_DAMAGE') {
      const atMs = parseIsoMs(ev.at);
      if (!(atMs <= lastScanMs)) lastScanMs = atMs;
    }
    switch (ev.type) {
      case 'RETURNED_TO_SENDER':
        scanReturnedToSender = true;
        break;
      case 'EXCEPTION_DAMAGE':
        scanDamage = true;
        break;
      case 'LOST':
        scanLost = true;
        break;
      case 'DELIVERY_ATTEMPT_FAILED':
        scanAttemptFailed = true;
        break;
      case 'DELIVERED':
        if (Number.isNaN(firstDeliveredMs)) firstDeliveredMs = parseIsoMs(ev.at);
        break;
      case 'PICKED_UP':
      case 'IN_TRANSIT':
        if (Number.isNaN(firstMovementMs)) firstMovementMs = parseIsoMs(ev.at);
        break;
      default:
        break;
    }
  }

  const shippedAtMs = t.shippedAt === undefined ? firstMovementMs : parseIsoMs(t.shippedAt);
  const deliveredAtMs = t.deliveredAt === undefined ? firstDeliveredMs : parseIsoMs(t.deliveredAt);
  const promisedShipByMs = parseOptional(t.promisedShipBy);
  const promisedDeliveryMs = parseOptional(t.promisedDeliveryAt);
  const delivered = !Number.isNaN(deliveredAtMs);
  const shipped = shippedAtMs <= claimedAtMs || (delivered && deliveredAtMs <= claimedAtMs);

  // Lateness is judged at delivery or, while the parcel is still out, at decision time.
  const shipMomentMs = Number.isNaN(shippedAtMs) ? decidedAtMs : shippedAtMs;
  const deliveryMomentMs = delivered ? deliveredAtMs : decidedAtMs;
  const shippedLate = shipMomentMs > promisedShipByMs;
  const deliveredLate = deliveryMomentMs > promisedDeliveryMs;
  const lateByHours = deliveredLate ? Math.floor((deliveryMomentMs - promisedDeliveryMs) / HOUR_MS) : 0;

  const listingDays = facts.listing.returnWindowDays;
  const defaultDays = policy.returnWindow.defaultDays;
  const returnWindowDays =
    policy.returnWindow.honourListingWindow && listingDays !== undefined && listingDays > defaultDays ? listingDays : defaultDays;
  const daysFromDeliveryToClaim = delivered ? (claimedAtMs - deliveredAtMs) / DAY_MS : undefined;
  const windowPosition: WindowPosition =
    daysFromDeliveryToClaim === undefined ? 'NOT_DELIVERED' : daysFromDeliveryToClaim <= returnWindowDays ? 'INSIDE' : 'OUTSIDE';

  const pickup = facts.carrier.weightAtPickupGrams;
  const atDelivery = facts.carrier.weightAtDeliveryGrams;
  const weightLossGrams = pickup !== undefined && atDelivery !== undefined ? pickup - atDelivery : undefined;
  const weightLost =
    weightLossGrams !== undefined &&
    pickup !== undefined &&
    weightLossGrams > policy.transit.weightLossToleranceGrams &&
    weightLossGrams > pickup * policy.transit.weightLossToleranceRatio;

  const weightShortfallRatio =
    weightLossGrams !== undefined && pickup !== undefined && weightLossGrams > 0 ? weightLossGrams / pickup : undefined;

  // Parcel silence: counted from the last scan (or the shipment) to the decision.
  const silenceFromMs = Number.isNaN(lastScanMs) ? shippedAtMs : lastScanMs;
  const silentDays = !delivered && !scanLost && shipped ? Math.floor((decidedAtMs - silenceFromMs) / DAY_MS) : Number.NaN;
  const parcelSilent = silentDays >= policy.parcelSilence.lostAfterDays[facts.shippingRegion];

  const money = facts.money;
  let missingItemsValue: number | undefined;
  if (facts.lineItems !== undefined) {
    let sum = 0;
    let priced = true;
    let any = false;
    for (const item of facts.lineItems) {
      if (item.reason !== 'PRODUCT_MISSING_ITEMS') continue;
      any = true;
      if (item.unitValue === undefined) priced = false;
      else sum += item.unitValue * item.quantity;
    }
    if (any && priced) missingItemsValue = sum;
  }
  if (missingItemsValue === undefined && weightLost && weightShortfallRatio !== undefined) {
    missingItemsValue = Math.round(money.itemValue * Math.min(1, weightShortfallRatio));
  }

  const repair = facts.repair;
  let repairOverrunDays = 0;
  let repairFailedAttempts = 0;
  let repairOverrun = false;
  if (repair !== undefined && repair.status !== 'COMPLETED') {
    const limits = policy.repair;
    const dueMs =
      repair.promisedCompletionAt === undefined
        ? parseIsoMs(repair.startedAt) + limits.reasonableDays * DAY_MS
        : parseIsoMs(repair.promisedCompletionAt);
    repairOverrunDays = Math.max(0, Math.floor((decidedAtMs - dueMs) / DAY_MS));
    repairFailedAttempts = repair.failedAttempts;
    repairOverrun =
      repair.status === 'FAILED' ||
      repairFailedAttempts >= limits.maxFailedAttempts ||
      (repair.promisedCompletionAt === undefined ? repairOverrunDays > 0 : repairOverrunDays > limits.overrunLimitDays);
  }

  const compensation = policy.compensation[money.currency];
  const highValue = compensation !== undefined && money.itemValue >= compensation.highValueThreshold;
  const band = compensation === undefined ? undefined : compensation.bands[highValue ? 'HIGH_VALUE' : facts.shippingRegion];

  const family = reasonFamilyOf(facts.reason);
  const claimRate = facts.buyer.claimRate;
  const defectRate = facts.seller.defectRate;

  return {
    facts,
    family,
    buyerDeclared: family === 'BUYER',
    packagingIntact,
    packagingDamaged,
    hasPackagingPhoto,
    productDamaged,
    productDefective,
    productWrongItem,
    productMissingParts,
    productNotAsPictured,
    productFine,
    installerDefect,
    installerMisuse,
    installerNoFault,
    productProblem: Math.max(productDamaged, productDefective, installerDefect),
    serialMatch,
    serialMismatch,
    serialMismatchBySeller,
    adviceMisleading,
    adviceAccurate,
    addressWrong,
    buyerUnreachable,
    addressCorrect,
    evidenceCount: facts.evidence.length,
    scanDamage,
    scanLost,
    scanDelivered: !Number.isNaN(firstDeliveredMs),
    scanAttemptFailed,
    damageNotedAtDelivery: facts.deliveryInspection === 'DAMAGE_NOTED_AT_DELIVERY',
    weightLossGrams,
    weightLost,
    weightShortfallRatio,
    scanReturnedToSender,
    silentDays,
    parcelSilent,
    substituteCarrier: facts.carrier.notTheAgreedCarrier,
    missingItemsValue,
    repairOverrun,
    repairOverrunDays,
    repairFailedAttempts,
    shipped,
    delivered,
    promisedShipByKnown: !Number.isNaN(promisedShipByMs),
    promisedDeliveryKnown: !Number.isNaN(promisedDeliveryMs),
    shippedLate,
    deliveredLate,
    lateByHours,
    returnWindowDays,
    windowPosition,
    daysFromDeliveryToClaim,
    claimedAtMs,
    highValue,
    band,
    buyerHighClaimRate: claimRate !== undefined && claimRate >= policy.risk.highBuyerClaimRate,
    buyerPriorAbuse: facts.buyer.priorAbuse,
    sellerHighDefectRate: defectRate !== undefined && defectRate >= policy.risk.highSellerDefectRate,
  };
}
