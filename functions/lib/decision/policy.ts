import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { CurrencySchema, IdentifierSchema, MinorUnitsSchema } from '../contract/return-payload.ts';
import type { Priority } from '../contract/priorities.ts';

/**
 * Versioned, per-marketplace decision policy.
 *
 * Every number the domain brief calls a "policy default" lives here, never in a rule: return
 * windows, compensation bands, authority limits, service levels, the confidence threshold for
 * a human review. Other modules (escalation, staff authority) read the same object, so field
 * names are part of the contract: rename only with a new policy schema version.
 */

/** Who may be made to pay the return leg of a no-reason return. */
export const noReasonReturnShippingPayers = ['BUYER', 'SELLER', 'PLATFORM'] as const;
export type NoReasonReturnShippingPayer = (typeof noReasonReturnShippingPayers)[number];

/** What happens when a case is still open after the last escalation level's deadline. */
export const defaultResolutions = ['BUYER_WINS_FULL_REFUND', 'BUYER_WINS_RETURN_AND_REFUND', 'HOLD_WITH_MANAGER'] as const;
export type DefaultResolution = (typeof defaultResolutions)[number];

/** Compensation bands: the shipping region classes of the payload plus the high-value band. */
export const compensationBandKeys = ['SAME_CITY', 'OTHER_PROVINCE', 'CROSS_BORDER', 'HIGH_VALUE'] as const;
export type CompensationBandKey = (typeof compensationBandKeys)[number];

const fraction = (what: string) =>
  z
    .number({ error: `${what} must be a number between 0 and 1` })
    .check(z.gte(0, `${what} must be between 0 and 1`), z.lte(1, `${what} must be between 0 and 1`));

const minutes = (what: string) =>
  z
    .int({ error: `${what} must be a whole number of minutes` })
    .check(z.positive(`${what} must be at least 1 minute`), z.lte(525_600, `${what} must not exceed one year`));

/** An inclusive money range in minor units; an empty range (min > max) is a typo, not a policy. */
export const MoneyBandSchema = /* @__PURE__ */ (() =>
  z.strictObject({ min: MinorUnitsSchema, max: MinorUnitsSchema }).check((ctx) => {
    if (ctx.value.min > ctx.value.max) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['min'],
        message: `min (${ctx.value.min}) must not exceed max (${ctx.value.max})`,
      });
    }
  }))();
export type MoneyBand = z.infer<typeof MoneyBandSchema>;

export const CurrencyCompensationSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    /** Item value (minor units) from which the HIGH_VALUE band applies instead of the region band. */
    highValueThreshold: MinorUnitsSchema,
    bands: z.strictObject({
      SAME_CITY: MoneyBandSchema,
      OTHER_PROVINCE: MoneyBandSchema,
      CROSS_BORDER: MoneyBandSchema,
      HIGH_VALUE: MoneyBandSchema,
    }),
  }))();
export type CurrencyCompensation = z.infer<typeof CurrencyCompensationSchema>;

/** The largest refund (minor units) each role may approve alone; must not shrink up the ladder. */
export const AuthorityLimitsSchema = /* @__PURE__ */ (() =>
  z.strictObject({ agent: MinorUnitsSchema, supervisor: MinorUnitsSchema, manager: MinorUnitsSchema }).check((ctx) => {
    const { agent, supervisor, manager } = ctx.value;
    if (supervisor < agent) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['supervisor'],
        message: `supervisor limit (${supervisor}) must not be below the agent limit (${agent})`,
      });
    }
    if (manager < supervisor) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['manager'],
        message: `manager limit (${manager}) must not be below the supervisor limit (${supervisor})`,
      });
    }
  }))();
export type AuthorityLimits = z.infer<typeof AuthorityLimitsSchema>;

/** A policy or override version: the date it takes effect, a dot, a revision (`2026-11-01.1`). */
export const PolicyVersionSchema = /* @__PURE__ */ (() =>
  z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}\.\d{1,6}$/, 'must look like 2026-11-01.1 (date, dot, revision)')))();

/** Silence limits per route, days: well past the transit time carriers promise on each. */
const DEFAULT_PARCEL_SILENCE = { lostAfterDays: { SAME_CITY: 7, OTHER_PROVINCE: 12, CROSS_BORDER: 25 } };
const DEFAULT_REPAIR_LIMITS = { overrunLimitDays: 7, reasonableDays: 15, maxFailedAttempts: 2 };

function silenceDays(route: string) {
  return z.int().check(z.gte(1, `${route} silence days must be at least 1`), z.lte(365, `${route} silence days must not exceed 365`));
}

/**
 * When a RETURN_AND_REFUND refund is released (the buyer paid), as data:
 * - ON_RECEIPT (default): when the seller records the parcel as received;
 * - ON_RETURN_DELIVERED: when the carrier scans the return as delivered to the seller (or on receipt);
 * - ON_INSPECTION: when what came back has been inspected;
 * and, for the buyer's benefit, before that:
 * - at the return's first carrier scan, for buyers whose claim rate is below `firstScanMaxClaimRate`
 *   (and no prior abuse);
 * - at decision, as a returnless refund (the buyer keeps the item), when the item is worth at most
 *   `returnless.maxItemValue[currency]` or shipping it back costs at least `returnless.minShippingShare`
 *   of its value.
 */
export const policyReleaseModes = ['ON_RECEIPT', 'ON_RETURN_DELIVERED', 'ON_INSPECTION'] as const;
export type PolicyReleaseMode = (typeof policyReleaseModes)[number];

const days = (what: string) =>
  z
    .int({ error: `${what} must be a whole number of days` })
    .check(z.gte(1, `${what} must be at least 1 day`), z.lte(365, `${what} must not exceed 365 days`));

/**
 * The return leg (issue #15): when a refund that needs the goods back is released, how long the buyer
 * has to ship, and what an inspection deducts. A self-contained sub-object with defaults, so a
 * policy document written before it still parses (and gets these defaults).
 */
export const ReturnLegPolicySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      release: z.strictObject({
        mode: z._default(z.enum(policyReleaseModes), 'ON_RECEIPT'),
        /** Buyers below this claim rate are refunded at the return's first carrier scan; absent: never. */
        firstScanMaxClaimRate: z.optional(fraction('firstScanMaxClaimRate')),
        returnless: z.optional(
          z.strictObject({
            /** Per currency: an item worth at most this (minor units) is refunded without a return. */
            maxItemValue: z.record(CurrencySchema, MinorUnitsSchema),
            /** Return shipping (estimated at the outbound cost) at or above this share of the item value: returnless. */
            minShippingShare: fraction('minShippingShare'),
          }),
        ),
      }),
      /** Days from the decision the buyer has to hand the parcel to a carrier. */
      shipWithinDays: z._default(days('shipWithinDays'), 14),
      /**
       * Days from the return's first carrier scan by which the parcel must reach the seller. After
       * that (or at a LOST scan) the carrier lost what the buyer sent: the held refund is released
       * and the goods' value becomes a carrier claim (the buyer did their part).
       */
      arriveWithinDays: z._default(days('arriveWithinDays'), 21),
      /** Days before that deadline the buyer is reminded. */
      reminderDaysBefore: z._default(z.int().check(z.gte(0), z.lte(365)), 3),
      /** True: a receipt cannot be recorded before any shipment (tracking) is known. */
      receiptRequiresShipment: z._default(z.boolean(), true),
      inspection: z.strictObject({
        /** Share of the refund deducted for an item used or damaged by the buyer, by condition grade. */
        depreciationByGrade: z.strictObject({
          A: fraction('depreciation A'),
          B: fraction('depreciation B'),
          C: fraction('depreciation C'),
          D: fraction('depreciation D'),
        }),
        /** Share deducted when parts are missing from what came back. */
        partsMissingShare: fraction('partsMissingShare'),
      }),
    })
    .check((ctx) => {
      if (ctx.value.reminderDaysBefore >= ctx.value.shipWithinDays) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          path: ['reminderDaysBefore'],
          message: `reminderDaysBefore (${ctx.value.reminderDaysBefore}) must be less than shipWithinDays (${ctx.value.shipWithinDays})`,
        });
      }
    }))();
export type ReturnLegPolicy = z.infer<typeof ReturnLegPolicySchema>;

/** The return leg every policy gets unless it says otherwise. */
export const defaultReturnLegPolicy = {
  release: {
    mode: 'ON_RECEIPT',
    firstScanMaxClaimRate: 0.1,
    returnless: { maxItemValue: { CNY: 3_000, EUR: 500 }, minShippingShare: 0.5 },
  },
  shipWithinDays: 14,
  arriveWithinDays: 21,
  reminderDaysBefore: 3,
  receiptRequiresShipment: true,
  inspection: { depreciationByGrade: { A: 0, B: 0.1, C: 0.3, D: 0.6 }, partsMissingShare: 0.2 },
} as const satisfies z.input<typeof ReturnLegPolicySchema>;

/**
 * Carrier claims (#19): how long after shipment a claim can be filed with each carrier (their
 * published claim windows), and how many days before that the sweep warns. Carriers not listed
 * get `defaultFileWithinDays`.
 */
export const CarrierClaimPolicySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    defaultFileWithinDays: z.int().check(z.gte(1), z.lte(730)),
    warnDaysBefore: z.int().check(z.gte(0), z.lte(365)),
    carriers: z.record(IdentifierSchema, z.strictObject({ fileWithinDays: z.int().check(z.gte(1), z.lte(730)) })),
  }))();
export type CarrierClaimPolicy = z.infer<typeof CarrierClaimPolicySchema>;

export const defaultCarrierClaimPolicy = {
  defaultFileWithinDays: 60,
  warnDaysBefore: 7,
  carriers: {},
} as const satisfies z.input<typeof CarrierClaimPolicySchema>;

/** Appeals (#19): days after the decision a buyer or staff may appeal it, once. */
export const AppealPolicySchema = /* @__PURE__ */ (() => z.strictObject({ windowDays: z.int().check(z.gte(0), z.lte(365)) }))();
export const defaultAppealPolicy = { windowDays: 30 } as const;

export const PolicySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      /** Policy version stamped on every decision, e.g. `2026-11-01.1`. */
      version: PolicyVersionSchema,
      /** Marketplace this policy belongs to (`default` for the fallback policy). */
      marketplace: IdentifierSchema,
      returnWindow: z.strictObject({
        /** No-reason return window in days counted from delivery to the claim. */
        defaultDays: z.int().check(z.gte(0, 'defaultDays must not be negative'), z.lte(365, 'defaultDays must not exceed 365')),
        /** When true, a longer window promised on the listing (e.g. "30-day returns") applies. */
        honourListingWindow: z.boolean(),
      }),
      /** Who pays the return leg of a no-reason return inside the window. */
      noReasonReturnShippingPaidBy: z.enum(noReasonReturnShippingPayers),
      /** Compensation (partial refund, buyer keeps the item) per ISO currency. */
      compensation: z.record(CurrencySchema, CurrencyCompensationSchema),
      /** Refund approval limits per ISO currency and staff role, minor units. */
      authorityLimits: z.record(CurrencySchema, AuthorityLimitsSchema),
      /** Decisions with a confidence below this go to MANUAL_REVIEW. */
      manualReviewConfidenceThreshold: fraction('manualReviewConfidenceThreshold'),
      serviceLevels: z.strictObject({
        /** Minutes from the claim to the first answer, by priority (one key per contract priority). */
        firstResponseMinutes: z
          .strictObject({ URGENT: minutes('URGENT first response'), NORMAL: minutes('NORMAL first response') } satisfies Record<
            Priority,
            unknown
          >)
          .check((ctx) => {
            if (ctx.value.URGENT > ctx.value.NORMAL) {
              ctx.issues.push({
                code: 'custom',
                input: ctx.value,
                path: ['URGENT'],
                message: `URGENT first response (${ctx.value.URGENT} min) must not be slower than NORMAL (${ctx.value.NORMAL} min)`,
              });
            }
          }),
        /** Minutes each escalation level has to resolve a case before it moves up. */
        resolutionMinutes: z.strictObject({
          agent: minutes('agent resolution'),
          supervisor: minutes('supervisor resolution'),
          manager: minutes('manager resolution'),
        }),
      }),
      /** Resolution applied when the manager level's deadline passes too. */
      defaultResolutionAfterLastLevel: z.enum(defaultResolutions),
      risk: z.strictObject({
        /** Buyer claim rate at or above which the buyer's history is a risk signal. */
        highBuyerClaimRate: fraction('highBuyerClaimRate'),
        /** Seller defect rate at or above which a claimed defect is more plausible. */
        highSellerDefectRate: fraction('highSellerDefectRate'),
      }),
      transit: z.strictObject({
        /** Scale noise: a parcel must lose more than this many grams... */
        weightLossToleranceGrams: z.int().check(z.gte(0, 'weightLossToleranceGrams must not be negative'), z.lte(100_000)),
        /** ...and more than this fraction of its pickup weight to count as lost in transit. */
        weightLossToleranceRatio: fraction('weightLossToleranceRatio'),
      }),
      /**
       * A shipped parcel with no scan for this many days (per route) is lost, as carriers
       * declare loss after a set time (judgement v2; defaulted so older policy files still load).
       */
      parcelSilence: z._default(
        z.strictObject({
          lostAfterDays: z.strictObject({
            SAME_CITY: silenceDays('SAME_CITY'),
            OTHER_PROVINCE: silenceDays('OTHER_PROVINCE'),
            CROSS_BORDER: silenceDays('CROSS_BORDER'),
          }),
        }),
        DEFAULT_PARCEL_SILENCE,
      ),
      /** When a repair has run too long (judgement v2; defaulted so older policy files still load). */
      repair: z._default(
        z.strictObject({
          /** Days past the promised completion after which the buyer is offered a refund. */
          overrunLimitDays: z.int().check(z.gte(0), z.lte(365)),
          /** Without a promised completion, days from the start a repair may reasonably take. */
          reasonableDays: z.int().check(z.gte(1), z.lte(365)),
          /** Failed attempts after which the buyer is offered a refund. */
          maxFailedAttempts: z.int().check(z.gte(1), z.lte(100)),
        }),
        DEFAULT_REPAIR_LIMITS,
      ),
      /**
       * Set by {@link applySellerOverride} only: the seller override merged into this policy.
       * Decisions then name `version+seller:<id>@<override version>` (see policyVersionOf).
       */
      sellerOverride: z.optional(z.strictObject({ sellerId: IdentifierSchema, version: PolicyVersionSchema })),

      /** Refund release, return window and inspection deductions; defaults when absent. */
      returnLeg: z._default(ReturnLegPolicySchema, () => structuredClone(defaultReturnLegPolicy) as unknown as ReturnLegPolicy),
      /** Carrier claim windows per carrier (#19); defaults when absent. */
      carrierClaims: z._default(
        CarrierClaimPolicySchema,
        () => structuredClone(defaultCarrierClaimPolicy) as unknown as CarrierClaimPolicy,
      ),
      /** The appeal window (#19); defaults when absent. */
      appeals: z._default(AppealPolicySchema, () => ({ ...defaultAppealPolicy })),
    })
    .check((ctx) => {
      // Every currency that can be compensated must also have someone allowed to approve it.
      for (const currency of Object.keys(ctx.value.compensation)) {
        if (ctx.value.authorityLimits[currency] === undefined) {
          ctx.issues.push({
            code: 'custom',
            input: ctx.value,
            path: ['authorityLimits', currency],
            message: `authority limits missing for ${currency}, which has compensation bands`,
          });
        }
      }
    }))();

export type Policy = z.infer<typeof PolicySchema>;

/** One problem found in a policy document: where (path) and what. */
export interface PolicyIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Thrown by {@link parsePolicy} when a policy document is malformed or self-contradictory. */
export class InvalidPolicyError extends Error {
  override readonly name = 'InvalidPolicyError';
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[], options?: ErrorOptions) {
    super(`invalid policy: ${issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ')}`, options);
    this.issues = issues;
  }
}

/**
 * Validate a policy document.
 *
 * @param json - the parsed JSON document (unknown: it comes from storage or a file).
 * @returns the typed policy.
 * @throws InvalidPolicyError listing every issue with its path; unknown keys are named one by
 *   one so a typo such as `manualReviewConfidenceTreshold` is found at once.
 */
export function parsePolicy(json: unknown): Policy {
  const result = PolicySchema.safeParse(json);
  if (result.success) return result.data;
  const issues: PolicyIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: [...path, key], message: `unknown key "${key}"` });
    } else if (issue.code === 'invalid_key') {
      // A record key (currency code) failed its own schema: say which key and why.
      const why = issue.issues.map((inner) => inner.message).join('; ');
      issues.push({ path, message: `invalid key "${String(path[path.length - 1])}": ${why}` });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  throw new InvalidPolicyError(issues, { cause: result.error });
}

/**
 * Default policy (marketplace `default`). Compensation bands follow the domain brief for CNY
 * (same city up to 10 yuan, other province 10-15, high-value item 20-50, in fen); EUR bands
 * are scaled to European one-way parcel prices, which are higher than Chinese ones.
 */
export const defaultPolicy: Policy = parsePolicy({
  version: '2026-12-03.1',
  marketplace: 'default',
  returnWindow: { defaultDays: 7, honourListingWindow: true },
  noReasonReturnShippingPaidBy: 'BUYER',
  compensation: {
    CNY: {
      highValueThreshold: 200_000,
      bands: {
        SAME_CITY: { min: 0, max: 1_000 },
        OTHER_PROVINCE: { min: 1_000, max: 1_500 },
        CROSS_BORDER: { min: 1_500, max: 3_000 },
        HIGH_VALUE: { min: 2_000, max: 5_000 },
      },
    },
    EUR: {
      highValueThreshold: 50_000,
      bands: {
        SAME_CITY: { min: 0, max: 500 },
        OTHER_PROVINCE: { min: 500, max: 800 },
        CROSS_BORDER: { min: 800, max: 1_500 },
        HIGH_VALUE: { min: 1_500, max: 4_000 },
      },
    },
  },
  authorityLimits: {
    CNY: { agent: 50_000, supervisor: 500_000, manager: 5_000_000 },
    EUR: { agent: 10_000, supervisor: 100_000, manager: 1_000_000 },
  },
  manualReviewConfidenceThreshold: 0.6,
  serviceLevels: {
    firstResponseMinutes: { URGENT: 120, NORMAL: 1_440 },
    resolutionMinutes: { agent: 2_880, supervisor: 2_880, manager: 4_320 },
  },
  defaultResolutionAfterLastLevel: 'BUYER_WINS_FULL_REFUND',
  risk: { highBuyerClaimRate: 0.3, highSellerDefectRate: 0.1 },
  transit: { weightLossToleranceGrams: 50, weightLossToleranceRatio: 0.02 },
  parcelSilence: DEFAULT_PARCEL_SILENCE,
  repair: DEFAULT_REPAIR_LIMITS,
});

/**
 * Sections of a marketplace policy a single seller may have overridden (each section whole):
 * a longer return window, who pays no-reason return shipping, its own bands or limits.
 * its own refund release (returnLeg) or what happens when nobody answers in time
 * (defaultResolutionAfterLastLevel; the escalation sweep reads the seller's policy).
 * New policy sections become overridable by adding them here.
 */
const overridableSections = [
  'returnWindow',
  'noReasonReturnShippingPaidBy',
  'compensation',
  'authorityLimits',
  'manualReviewConfidenceThreshold',
  'parcelSilence',
  'repair',
  'returnLeg',
  'defaultResolutionAfterLastLevel',
  'carrierClaims',
  'appeals',
] as const;

/** One seller's override of its marketplace's policy; validated at load, versioned. */
export const SellerOverrideSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    sellerId: IdentifierSchema,
    marketplace: IdentifierSchema,
    version: PolicyVersionSchema,
    returnWindow: z.optional(z.unknown()),
    noReasonReturnShippingPaidBy: z.optional(z.unknown()),
    compensation: z.optional(z.unknown()),
    authorityLimits: z.optional(z.unknown()),
    manualReviewConfidenceThreshold: z.optional(z.unknown()),
    parcelSilence: z.optional(z.unknown()),
    repair: z.optional(z.unknown()),
    returnLeg: z.optional(z.unknown()),
    defaultResolutionAfterLastLevel: z.optional(z.unknown()),
    carrierClaims: z.optional(z.unknown()),
    appeals: z.optional(z.unknown()),
  }))();
export type SellerOverride = z.infer<typeof SellerOverrideSchema>;

/**
 * Validate a seller override: its own shape, then the merged policy (so a section the
 * override replaces is checked by the very schema the marketplace policy is).
 *
 * @throws InvalidPolicyError naming the seller and every issue.
 */
export function parseSellerOverride(json: unknown, base: Policy): SellerOverride {
  const result = SellerOverrideSchema.safeParse(json);
  if (!result.success) {
    throw new InvalidPolicyError(
      result.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.code === 'unrecognized_keys' ? `unknown or not overridable key(s): ${i.keys.join(', ')}` : i.message,
      })),
    );
  }
  applySellerOverride(base, result.data);
  return result.data;
}

/** The marketplace policy with one seller's override merged in, validated as a whole. */
export function applySellerOverride(base: Policy, override: SellerOverride): Policy {
  if (override.marketplace !== base.marketplace) {
    throw new InvalidPolicyError([
      { path: ['marketplace'], message: `override for ${override.marketplace} applied to the ${base.marketplace} policy` },
    ]);
  }
  const merged: Record<string, unknown> = { ...base };
  for (const key of overridableSections) if (override[key] !== undefined) merged[key] = override[key];
  merged.sellerOverride = { sellerId: override.sellerId, version: override.version };
  return parsePolicy(merged);
}

/** The version a decision records: the policy's, plus the seller override's when one applies. */
export function policyVersionOf(policy: Policy): string {
  const o = policy.sellerOverride;
  return o === undefined ? policy.version : `${policy.version}+seller:${o.sellerId}@${o.version}`;
}
