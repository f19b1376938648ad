import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { CurrencySchema, MinorUnitsSchema, TimestampSchema } from '../contract/return-payload.ts';
import { priorities } from '../contract/priorities.ts';
import { staffRoles } from '../contract/roles.ts';
import { parties } from './rule.ts';

/**
 * The decision record: what `decide` returns, what is stored with the case (DynamoDB) and what
 * may be published. A plain JSON object; this schema is the contract for anyone reading it.
 */

/**
 * Remedies. Beyond the four money remedies, REJECT and MANUAL_REVIEW, two more cover outcomes
 * the domain needs: REPAIR (the buyer asked for a repair of a seller or carrier fault; seller
 * pays shipping both ways) and NO_REFUND_NEEDED (the claim is accepted but no money moves: an
 * apology for a staff complaint, extra items collected, an address updated before shipping).
 */
export const remedies = [
  'FULL_REFUND',
  'PARTIAL_REFUND',
  'RETURN_AND_REFUND',
  'RESHIP',
  'REPAIR',
  'NO_REFUND_NEEDED',
  'REJECT',
  'MANUAL_REVIEW',
] as const;
export type Remedy = (typeof remedies)[number];
export type RecommendedRemedy = Exclude<Remedy, 'MANUAL_REVIEW'>;
export const recommendedRemedies = remedies.filter((r): r is RecommendedRemedy => r !== 'MANUAL_REVIEW') as [
  RecommendedRemedy,
  ...RecommendedRemedy[],
];

/** The remedies that pay the buyer money: the ones a refund amount goes with. */
export const refundRemedies = ['FULL_REFUND', 'PARTIAL_REFUND', 'RETURN_AND_REFUND'] as const satisfies readonly RecommendedRemedy[];
export type RefundRemedy = (typeof refundRemedies)[number];

/** Takes any string, so request schemas can ask before the remedy is known to be valid. */
export function isRefundRemedy(remedy: string): remedy is RefundRemedy {
  return (refundRemedies as readonly string[]).includes(remedy);
}

export const shippingPayers = ['SELLER', 'BUYER', 'CARRIER', 'PLATFORM', 'NONE'] as const;
export type ShippingPayer = (typeof shippingPayers)[number];

/** Who finally bears the cost (the carrier through a claim the seller or platform files). */
export const costBearers = ['SELLER', 'CARRIER', 'BUYER', 'PLATFORM', 'NONE'] as const;
export type CostBearer = (typeof costBearers)[number];

export const decisionOutcomes = ['DECIDED', 'MANUAL_REVIEW'] as const;
export type DecisionOutcome = (typeof decisionOutcomes)[number];

/** Why a case goes to a person. */
export const reviewReasons = [
  'LOW_CONFIDENCE',
  'FRAUD_RISK',
  'WITNESS_ONLY_AGAINST_BUYER',
  'REASON_CONTRADICTED',
  'NO_RULE_APPLIED',
  /** Two pieces of evidence (or a carrier's own records) contradict each other (judgement v2). */
  'CONFLICTING_EVIDENCE',
  /** New marketplace facts arrived after a staff approval or override: the staff decision stands until confirmed. */
  'NEW_FACTS_AFTER_STAFF_DECISION',
] as const;
export type ReviewReason = (typeof reviewReasons)[number];

export const deductionCodes = ['OUTBOUND_SHIPPING', 'CONDITION_DEPRECIATION', 'PARTS_MISSING', 'RETURN_SHIPPING'] as const;

/**
 * When a refund reaches the buyer. AT_DECISION: nothing comes back (a full or partial refund).
 * RETURNLESS: the goods would come back, but they are worth less than the trip: refunded now,
 * the buyer keeps them. FIRST_SCAN: at the return's first carrier scan (a trusted buyer).
 * ON_RETURN_DELIVERED / ON_RECEIPT / ON_INSPECTION: the policy's release mode.
 */
export const refundReleaseModes = [
  'AT_DECISION',
  'RETURNLESS',
  'FIRST_SCAN',
  'ON_RETURN_DELIVERED',
  'ON_RECEIPT',
  'ON_INSPECTION',
] as const;
export type RefundReleaseMode = (typeof refundReleaseModes)[number];

export const RefundReleaseSchema = /* @__PURE__ */ (() =>
  z.strictObject({ mode: z.enum(refundReleaseModes), reason: z.string().check(z.minLength(1)) }))();
export type RefundRelease = z.infer<typeof RefundReleaseSchema>;

const weight = /* @__PURE__ */ (() => z.number().check(z.gte(0), z.lte(1_000)))();
const share = /* @__PURE__ */ (() => z.number().check(z.gte(0), z.lte(1)))();
const BASIS = 10_000;

export const ContributionSchema = /* @__PURE__ */ (() => z.strictObject({ carrier: weight, seller: weight, buyer: weight }))();

export const RuleSignalsSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    evidenceStrength: z.optional(z.number().check(z.gte(0), z.lte(1))),
    conflict: z.optional(z.boolean()),
    noFault: z.optional(z.boolean()),
    urgent: z.optional(z.boolean()),
    risk: z.optional(z.boolean()),
    fraudRisk: z.optional(z.boolean()),
    witness: z.optional(z.boolean()),
    missingEvidence: z.optional(z.boolean()),
    contradictsReason: z.optional(z.boolean()),
    sellerAnswersForCarrier: z.optional(z.boolean()),
    contradictoryEvidence: z.optional(z.boolean()),
  }))();

export const TraceEntrySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    ruleId: z.string().check(z.minLength(1)),
    ruleVersion: z.string().check(z.minLength(1)),
    fired: z.boolean(),
    contribution: ContributionSchema,
    reasonCode: z.string().check(z.minLength(1)),
    explanation: z.string().check(z.minLength(1)),
    signals: z.optional(RuleSignalsSchema),
  }))();
export type TraceEntry = z.infer<typeof TraceEntrySchema>;

export const AllocationSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('NO_FAULT') }),
    z
      .strictObject({
        kind: z.literal('FAULT'),
        carrier: share,
        seller: share,
        buyer: share,
        dominant: z.enum(parties),
      })
      .check((ctx) => {
        const a = ctx.value;
        // Shares are whole basis points whose sum is exactly 10,000.
        const bp = Math.round(a.carrier * BASIS) + Math.round(a.seller * BASIS) + Math.round(a.buyer * BASIS);
        if (bp !== BASIS) {
          ctx.issues.push({ code: 'custom', input: a, message: `shares must sum to 1 (got ${bp / BASIS})` });
        }
        if (a[a.dominant] < Math.max(a.carrier, a.seller, a.buyer)) {
          ctx.issues.push({ code: 'custom', input: a, path: ['dominant'], message: 'dominant must hold the largest share' });
        }
      }),
  ]))();
export type Allocation = z.infer<typeof AllocationSchema>;

export const RefundSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      currency: CurrencySchema,
      /** Before deductions; never above the amount paid. */
      gross: MinorUnitsSchema,
      deductions: z.array(
        z.strictObject({ code: z.enum(deductionCodes), amount: MinorUnitsSchema, description: z.string().check(z.minLength(1)) }),
      ),
      /** What the buyer receives: gross minus deductions, never negative. */
      amount: MinorUnitsSchema,
    })
    .check((ctx) => {
      const r = ctx.value;
      const deducted = r.deductions.reduce((sum, d) => sum + d.amount, 0);
      if (r.amount !== r.gross - deducted) {
        ctx.issues.push({ code: 'custom', input: r, path: ['amount'], message: 'amount must equal gross minus deductions' });
      }
    }))();
export type Refund = z.infer<typeof RefundSchema>;

export const DecisionSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    engineVersion: z.string().check(z.minLength(1)),
    /** The policy's version, plus `+seller:<id>@<version>` when a seller override applied (at most 200 characters). */
    policyVersion: z.string().check(z.minLength(1), z.maxLength(200)),
    marketplace: z.string().check(z.minLength(1)),
    decidedAt: TimestampSchema,
    /** DECIDED: act on `remedy`. MANUAL_REVIEW: a person confirms or changes `recommendedRemedy`. */
    outcome: z.enum(decisionOutcomes),
    /** `recommendedRemedy`, or MANUAL_REVIEW when a person must decide. */
    remedy: z.enum(remedies),
    recommendedRemedy: z.enum(recommendedRemedies),
    reviewReasons: z.array(z.enum(reviewReasons)),
    allocation: AllocationSchema,
    confidence: z.number().check(z.gte(0), z.lte(1)),
    /** Reason code of the rule that weighs most for the outcome. */
    primaryReasonCode: z.string().check(z.minLength(1)),
    /** Reason codes of every fired rule, chain order, without repeats. */
    reasonCodes: z.array(z.string().check(z.minLength(1))),
    /** Refund of the recommended remedy; pay it only when `outcome` is DECIDED. */
    refund: RefundSchema,
    /** When the refund is released to the buyer, and why (policy returnLeg); absent when nothing is paid. */
    refundRelease: z.optional(RefundReleaseSchema),
    returnShippingPaidBy: z.enum(shippingPayers),
    costBearer: z.enum(costBearers),
    /** True when the carrier bears the cost: the seller or platform files a carrier claim. */
    carrierClaim: z.boolean(),
    priority: z.enum(priorities),
    firstResponseDueAt: TimestampSchema,
    authority: z.strictObject({
      /** Smallest role whose limit covers the refund; null when no configured role does. */
      requiredRole: z.nullable(z.enum(staffRoles)),
      exceedsAgentAuthority: z.boolean(),
    }),
    /** Every rule evaluated, as `id@version`, chain order. */
    rulesUsed: z.array(z.string().check(z.regex(/^[a-z0-9-]+@\d+\.\d+\.\d+$/))),
    trace: z.array(TraceEntrySchema),
    summary: z.string().check(z.minLength(1)),
  }))();
export type Decision = z.infer<typeof DecisionSchema>;
