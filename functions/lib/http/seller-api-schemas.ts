import { staffRoles } from '../contract/roles.ts';
import { priorities } from '../contract/priorities.ts';
import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).

import { DecisionSchema, RefundReleaseSchema } from '../decision/decision-schema.ts';
import { carrierClaimStates, caseStatuses, escalationLevels } from '../workflow/case.ts';
import { MAX_CURSOR_LENGTH } from '../contract/page-cursor.ts';
import { ReasonCodeSchema } from '../contract/reason-codes.ts';
import {
  CurrencySchema,
  EvidenceSchema,
  IdentifierSchema,
  InspectionSchema,
  MinorUnitsSchema,
  ReplacementShipmentSchema,
  ReturnScanSchema,
  ReturnSchema,
  TimestampSchema,
} from '../contract/return-payload.ts';
import { storableInt } from '../contract/storable.ts';
import { HISTORY_PAGE, MAX_HISTORY_CURSOR_LENGTH } from '../use-cases/get-case.ts';

/**
 * The seller API's contract: request and response schemas, the source of request
 * validation, of the error messages, and of openapi.json (functions/lib/http/openapi.ts).
 */

/* ---------------------------------------------------------------- requests */

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/** `a,b,c` in one query parameter (API Gateway joins repeated keys with commas, too). */
function commaList<T extends z.ZodMiniType<unknown, string>>(item: T, max: number, what: string) {
  return z
    .pipe(
      z.pipe(
        z.string().check(z.minLength(1), z.maxLength(2_000)),
        z.transform((raw: string) => raw.split(',').map((v) => v.trim())),
      ),
      z.array(item).check(z.minLength(1), z.maxLength(max)),
    )
    .check(z.meta({ description: `${what}; several values comma-separated match any of them` }));
}

export const ListCasesQuerySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    status: z.optional(commaList(z.enum(caseStatuses), caseStatuses.length, `Case status: ${caseStatuses.join(', ')}`)),
    reason: z.optional(commaList(ReasonCodeSchema, 50, 'Reason code of the return, as in Return.reason')),
    priority: z.optional(commaList(z.enum(priorities), priorities.length, `Priority: ${priorities.join(', ')}`)),
    assignee: z.optional(
      commaList(IdentifierSchema, 20, 'Staff user id (token sub) the case is assigned to; `me` is you, `none` matches unassigned cases'),
    ),
    counts: z.optional(z.enum(['true', 'false'])).check(
      z.meta({
        description:
          'true: the answer also counts every case matching the filters (not only this page), and how many are overdue or due within the hour; one more read of your cases',
      }),
    ),
    dueBefore: z.optional(TimestampSchema).check(z.meta({ description: 'Only cases whose next deadline is strictly before this instant' })),
    limit: z
      .optional(
        z.pipe(
          z.pipe(z.string().check(z.regex(/^\d{1,3}$/, `must be a whole number from 1 to ${MAX_PAGE_SIZE}`)), z.transform(Number)),
          storableInt({ min: 1, max: MAX_PAGE_SIZE }),
        ),
      )
      .check(z.meta({ description: `Page size, 1-${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}` })),
    cursor: z
      .optional(z.string().check(z.minLength(1), z.maxLength(MAX_CURSOR_LENGTH)))
      .check(z.meta({ description: 'nextCursor of the previous page; valid only with the same filters' })),
  }))();

/** `GET /cases/{id}/history`: one page of a case's history, newest page first. */
export const CaseHistoryQuerySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    limit: z
      .optional(
        z.pipe(
          z.pipe(z.string().check(z.regex(/^\d{1,3}$/, `must be a whole number from 1 to ${HISTORY_PAGE.maxLimit}`)), z.transform(Number)),
          storableInt({ min: 1, max: HISTORY_PAGE.maxLimit }),
        ),
      )
      .check(
        z.meta({
          description: `Events per page, 1-${HISTORY_PAGE.maxLimit}; default ${HISTORY_PAGE.defaultLimit}. A page also stops at about 1 MiB of events.`,
        }),
      ),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_HISTORY_CURSOR_LENGTH))).check(
      z.meta({
        description: 'olderHistoryCursor of GET /cases/{id}, or nextCursor of the previous page; without it, the newest events',
      }),
    ),
  }))();

/** `GET /reports/recovery` (#19): cases created in [from, to), as JSON or CSV. */
export const RecoveryReportQuerySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    from: TimestampSchema.check(z.meta({ description: 'Cases created at or after this instant' })),
    to: TimestampSchema.check(z.meta({ description: 'Cases created before this instant; at most 366 days after from' })),
    format: z.optional(z.enum(['json', 'csv'])).check(z.meta({ description: 'json (default) or csv (one line per case)' })),
  }))();

const RecoveryAmountsShape = {
  madeWhole: MinorUnitsSchema,
  bornBySeller: MinorUnitsSchema,
  bornByPlatform: MinorUnitsSchema,
  bornByBuyer: MinorUnitsSchema,
  bornByCarrier: MinorUnitsSchema,
  carrierRecovered: MinorUnitsSchema,
  carrierLost: MinorUnitsSchema,
  carrierPending: MinorUnitsSchema,
};

export const RecoveryReportResponseSchema = /* @__PURE__ */ (() =>
  z.object({
    sellerId: z.string(),
    from: TimestampSchema,
    to: TimestampSchema,
    rows: z.array(
      z.object({
        caseId: z.string(),
        createdAt: TimestampSchema,
        status: z.enum(caseStatuses),
        currency: CurrencySchema,
        ...RecoveryAmountsShape,
        claim: z.optional(
          z.object({
            claimId: z.string(),
            state: z.enum(carrierClaimStates),
            carrier: z.string(),
            amount: MinorUnitsSchema,
            fileBy: TimestampSchema,
            shareSinceFiling: z.optional(
              MinorUnitsSchema.check(z.describe("The carrier's share now, when a later decision changed it after filing")),
            ),
          }),
        ),
      }),
    ),
    totals: z.record(z.string(), z.object({ cases: z.int(), ...RecoveryAmountsShape })),
    openClaims: z.array(
      z.object({
        caseId: z.string(),
        currency: CurrencySchema,
        claimId: z.string(),
        state: z.enum(carrierClaimStates),
        carrier: z.string(),
        amount: MinorUnitsSchema,
        fileBy: TimestampSchema,
        shareSinceFiling: z.optional(MinorUnitsSchema),
      }),
    ),
    complete: z.boolean().check(z.meta({ description: 'False when a limit cut the report short: narrow the range' })),
    limits: z.object({ maxIndexEntries: z.int(), maxCases: z.int(), maxRangeDays: z.int() }),
  }))();

/** The staff write bodies live with their commands (use-cases/staff-commands.ts). */
export {
  AddEvidenceBodySchema,
  ApproveBodySchema,
  AssignBodySchema,
  ClaimFilingBodySchema,
  ClaimOutcomeBodySchema,
  InspectionBodySchema,
  MAX_COMMENT_LENGTH,
  NoteBodySchema,
  OverrideBodySchema,
  ReturnReceiptBodySchema,
  ReturnShipmentBodySchema,
} from '../use-cases/staff-commands.ts';

/* --------------------------------------------------------------- responses */

export const ActorSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('MARKETPLACE'), id: z.string() }),
    z.object({ kind: z.literal('SYSTEM'), id: z.string() }),
    z.object({ kind: z.literal('STAFF'), id: z.string(), role: z.string().check(z.meta({ description: staffRoles.join(', ') })) }),
  ]))();

export const HistoryEventSchema = /* @__PURE__ */ (() =>
  z.object({
    caseId: z.string(),
    version: z.int(),
    seq: z.int(),
    at: TimestampSchema,
    actor: ActorSchema,
    action: z
      .string()
      .check(z.meta({ description: 'CASE_RECEIVED, DECISION_MADE, REFUND_DUE, EVIDENCE_ADDED, DECISION_APPROVED, NOTE_ADDED, …' })),
    fromStatus: z.nullable(z.enum(caseStatuses)),
    toStatus: z.enum(caseStatuses),
    details: z.record(z.string(), z.unknown()),
  }))();

const parties = ['SELLER', 'BUYER', 'CARRIER', 'PLATFORM', 'NONE'] as const;

export const LedgerLineSchema = /* @__PURE__ */ (() =>
  z.object({
    kind: z.enum(['BUYER_REFUND', 'DEDUCTION', 'RETURN_SHIPPING', 'RESHIP_SHIPPING', 'CARRIER_CLAIM']),
    amount: MinorUnitsSchema,
    currency: CurrencySchema,
    paidBy: z.enum(parties).check(z.meta({ description: 'Who pays now' })),
    bornBy: z.enum(parties).check(z.meta({ description: 'Who finally bears it, after any carrier claim' })),
    note: z.string(),
  }))();

export const RefundRecordSchema = /* @__PURE__ */ (() =>
  z.object({
    refundId: z.string(),
    amount: MinorUnitsSchema,
    currency: CurrencySchema,
    status: z.enum(['HELD', 'PENDING', 'APPLYING', 'APPLIED', 'CANCELLED', 'REFUSED']).check(
      z.meta({
        description:
          'HELD: decided, waiting for the goods to come back (release); PENDING: queued; REFUSED: the payment provider refused it for good, or no payment of the order could take it (see refusal); nothing was paid',
      }),
    ),
    release: z.optional(RefundReleaseSchema),
    decidedAtVersion: z.int(),
    dueAt: TimestampSchema,
    providerReference: z.optional(z.string()),
    appliedAt: z.optional(TimestampSchema),
    payment: z.optional(
      z.object({ provider: z.string(), reference: z.string() }).check(z.meta({ description: 'The payment the refund goes back to' })),
    ),
    refusal: z.optional(
      z
        .object({ code: z.string(), detail: z.string() })
        .check(z.meta({ description: 'Why the refund was refused: our code or the payment provider’s, and its words' })),
    ),
  }))();

export const ReturnLegViewSchema = /* @__PURE__ */ (() =>
  z
    .object({
      carrier: z.optional(z.string()),
      trackingNumber: z.optional(z.string()),
      scans: z.array(ReturnScanSchema),
      receivedAt: z.optional(TimestampSchema),
      inspection: z.optional(InspectionSchema),
      shipBy: z.optional(TimestampSchema),
    })
    .check(z.meta({ description: 'The return parcel: carrier, tracking, scans, receipt, inspection, and the deadline to ship it' })))();

export const StaffResolutionSchema = /* @__PURE__ */ (() =>
  z.object({
    kind: z.enum(['APPROVED', 'OVERRIDDEN']),
    remedy: z.string(),
    amount: z.optional(MinorUnitsSchema),
    currency: z.optional(CurrencySchema),
    by: ActorSchema,
    at: TimestampSchema,
    version: z.int(),
  }))();

export const ReadableTraceEntrySchema = /* @__PURE__ */ (() =>
  z
    .object({
      ruleId: z.string(),
      ruleVersion: z.string(),
      reasonCode: z.string(),
      explanation: z.string(),
      contribution: z.object({ carrier: z.number(), seller: z.number(), buyer: z.number() }),
    })
    .check(z.meta({ description: 'A rule that fired, in chain order' })))();

export const CaseViewSchema = /* @__PURE__ */ (() =>
  z.object({
    caseId: z.string(),
    marketplace: z.string(),
    marketplaceReturnId: z.string(),
    orderId: z.string(),
    sellerId: z.string(),
    status: z.enum(caseStatuses),
    version: z.int().check(z.meta({ description: 'Also the ETag; send it back in If-Match to change the case' })),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    lastEventAt: TimestampSchema,
    priority: z.enum(priorities),
    escalationLevel: z.enum(escalationLevels),
    dueAt: z.optional(TimestampSchema),
    assignee: z.optional(z.string()),
    return: ReturnSchema,
    staffEvidence: z.array(EvidenceSchema),
    decision: z.optional(DecisionSchema).check(
      z.meta({
        description:
          'The current decision; its trace lists the rules that fired. The full trace (every rule evaluated) of it and of earlier decisions is in the history (DECISION_MADE)',
      }),
    ),
    decisionCount: z.int(),
    resolution: z.optional(StaffResolutionSchema),
    ledger: z.array(LedgerLineSchema).check(z.meta({ description: 'Who pays what, itemised' })),
    refund: z.optional(RefundRecordSchema),
    recommendation: z.optional(DecisionSchema).check(
      z.meta({
        description:
          'A fresh engine recommendation from facts that arrived after a staff decision (review reason NEW_FACTS_AFTER_STAFF_DECISION), for staff to confirm; the staff decision stands meanwhile',
      }),
    ),
    returnLeg: z.optional(ReturnLegViewSchema),
    replacement: z.optional(
      ReplacementShipmentSchema.check(
        z.meta({ description: 'The replacement parcel of a reship: delivered resolves the case, lost or late re-opens it' }),
      ),
    ),
    carrierClaim: z.optional(
      z
        .object({
          claimId: z.string(),
          state: z.enum(carrierClaimStates),
          carrier: z.string(),
          trackingNumber: z.optional(z.string()),
          leg: z.enum(['OUTBOUND', 'RETURN']),
          amount: MinorUnitsSchema,
          currency: CurrencySchema,
          shippedAt: TimestampSchema,
          fileBy: TimestampSchema,
          warnAt: TimestampSchema,
          warnedAt: z.optional(TimestampSchema),
          evidence: z.object({
            scans: z.array(z.object({ type: z.string(), at: TimestampSchema, weightGrams: z.optional(z.number()) })),
            weights: z.object({ atPickupGrams: z.optional(z.number()), atDeliveryGrams: z.optional(z.number()) }),
            photos: z.array(z.object({ evidenceId: z.string(), kind: z.string(), finding: z.string() })),
            inspection: z.optional(z.object({ outcome: z.string(), conditionGrade: z.optional(z.string()), inspectedAt: TimestampSchema })),
          }),
          policyVersion: z.string(),
          openedAt: TimestampSchema,
          filedAt: z.optional(TimestampSchema),
          filedBy: z.optional(z.string()),
          claimReference: z.optional(z.string()),
          settledAt: z.optional(TimestampSchema),
          recoveredAmount: z.optional(MinorUnitsSchema),
          shareSinceFiling: z.optional(MinorUnitsSchema),
          denialReason: z.optional(z.string()),
          expiredAt: z.optional(TimestampSchema),
        })
        .check(
          z.meta({
            description:
              'The claim on the carrier for the cost it bears: TO_FILE → FILED → PAID | DENIED, or EXPIRED when not filed by fileBy (the cost then falls back to the seller)',
          }),
        ),
    ),
    appeal: z.optional(
      z
        .object({
          at: TimestampSchema,
          by: z.string(),
          role: z.enum(staffRoles),
          appealedRole: z.enum(staffRoles),
          outcome: z.enum(['CHANGED', 'UPHELD']),
          remedy: z.string(),
          amount: z.optional(MinorUnitsSchema),
          topUp: MinorUnitsSchema,
          version: z.int(),
        })
        .check(z.meta({ description: 'The one appeal of the decision (#19): who decided it, whose decision it was, the top-up made due' })),
    ),
    appealRequest: z.optional(
      z
        .object({ at: TimestampSchema, deliveryId: z.string(), appealedRole: z.enum(staffRoles) })
        .check(z.meta({ description: 'The marketplace’s return.appealed: the case re-opened for a role above appealedRole' })),
    ),
    refundedTotal: z.optional(MinorUnitsSchema.check(z.meta({ description: 'Paid to the buyer so far, over every refund' }))),
    refundedByPayment: z.optional(
      z.record(z.string(), MinorUnitsSchema).check(z.meta({ description: 'Refunded so far per payment (`provider:reference`)' })),
    ),
  }))();

export const CaseDetailResponseSchema = /* @__PURE__ */ (() =>
  z.object({
    case: CaseViewSchema,
    readableTrace: z.array(ReadableTraceEntrySchema),
    history: z.array(HistoryEventSchema).check(
      z.meta({
        description: `The newest events, oldest first: at most ${HISTORY_PAGE.defaultLimit}, and about 1 MiB of them. olderHistoryCursor continues with the older ones.`,
      }),
    ),
    olderHistoryCursor: z.nullable(z.string()).check(
      z.meta({
        description:
          'Pass as `cursor` to GET /cases/{id}/history for the events before `history`; null when `history` is the whole history',
      }),
    ),
    yourAuthority: z
      .object({
        role: z.enum(staffRoles),
        refundLimit: z.nullable(z.int()).check(
          z.meta({
            description:
              'The largest refund your role may approve or set alone, in minor units of `currency`; null when the policy sets no limit for that currency (nobody may approve money in it)',
          }),
        ),
        currency: z.string().check(z.meta({ description: "The case's currency" })),
      })
      .check(z.meta({ description: 'Your refund authority on this case, from the seller’s policy; the API still has the final word' })),
  }))();

export const CaseHistoryResponseSchema = /* @__PURE__ */ (() =>
  z.object({
    events: z.array(HistoryEventSchema).check(z.meta({ description: 'One page of events, oldest first; pages go from newest to oldest' })),
    nextCursor: z
      .nullable(z.string())
      .check(z.meta({ description: 'Pass as `cursor` for the page of older events; null when this page holds the oldest' })),
  }))();

export const CaseSummarySchema = /* @__PURE__ */ (() =>
  z.object({
    caseId: z.string(),
    marketplace: z.string(),
    marketplaceReturnId: z.string(),
    orderId: z.string(),
    status: z.enum(caseStatuses),
    reason: ReasonCodeSchema,
    priority: z.enum(priorities),
    escalationLevel: z.enum(escalationLevels),
    dueAt: z.optional(TimestampSchema),
    assignee: z.optional(z.string()),
    version: z.int(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    remedy: z.optional(z.string()),
    confidence: z.optional(z.number()),
    refund: z.optional(z.object({ status: RefundRecordSchema.shape.status, amount: MinorUnitsSchema, currency: CurrencySchema })),
  }))();

export const CaseListResponseSchema = /* @__PURE__ */ (() =>
  z.object({
    items: z.array(CaseSummarySchema),
    nextCursor: z.nullable(z.string()).check(z.meta({ description: 'Pass as `cursor` for the next page; null on the last page' })),
    counts: z.optional(
      z
        .object({
          matching: z.int().check(z.meta({ description: 'Cases matching the filters, on every page' })),
          overdue: z.int().check(z.meta({ description: 'Of those, past their next deadline' })),
          dueWithinHour: z.int().check(z.meta({ description: 'Of those, due within the next hour' })),
          complete: z
            .boolean()
            .check(z.meta({ description: 'false when the count stopped at its read budget: the numbers are lower bounds' })),
        })
        .check(z.meta({ description: 'Present when asked for with counts=true' })),
    ),
  }))();

export const StaffWriteResponseSchema = /* @__PURE__ */ (() =>
  z.object({
    case: CaseViewSchema,
    events: z.array(HistoryEventSchema).check(z.meta({ description: 'The history events this request appended' })),
    refund: z.optional(
      z.object({
        refundId: z.string(),
        queued: z.boolean().check(z.meta({ description: 'false: recorded, queued by the outbox relay shortly' })),
      }),
    ),
  }))();

export const WebhookAcceptedSchema = /* @__PURE__ */ (() =>
  z.object({
    caseId: z.string(),
    status: z.nullable(z.enum(caseStatuses)),
    duplicate: z.boolean(),
    ignoredReason: z.optional(z.string()),
    held: z.optional(z.literal(true)).check(
      z.meta({
        description:
          'The event arrived before the return it is about: it is kept and applied when the return arrives (status is null until then)',
      }),
    ),
  }))();

/** Every error this API writes: problem details (RFC 9457, `application/problem+json`); see http/problem.ts. */
export const ErrorResponseSchema = /* @__PURE__ */ (() =>
  z
    .object({
      type: z.string().check(z.meta({ description: 'A URN per error code, e.g. urn:dispute-desk:problem:validation-failed' })),
      title: z.string().check(z.meta({ description: 'The same for every occurrence of the type' })),
      status: z.int().check(z.gte(400), z.lte(599)),
      detail: z.string().check(z.meta({ description: 'What went wrong with this request, written for the caller' })),
      code: z.string().check(z.meta({ description: 'The machine-readable error code, e.g. VALIDATION_FAILED' })),
      instance: z.optional(z.string()).check(z.meta({ description: 'The request path' })),
      issues: z
        .optional(z.array(z.object({ field: z.string(), problem: z.string() })))
        .check(z.meta({ description: 'Validation failures: each field (dotted path or header name) and its problem' })),
      requestId: z.optional(z.string()).check(z.meta({ description: 'The id the request is logged under' })),
    })
    .check(z.meta({ description: 'RFC 9457 problem details' })))();

/**
 * What API Gateway (HTTP API) answers by itself in AWS, before any function runs: the JWT
 * authorizer's 401, the stage throttle's 429, its own 413 and 5xx. HTTP APIs cannot reshape
 * these; the local gateway answers a problem that keeps this `message` member.
 */
export const GatewayErrorSchema = /* @__PURE__ */ (() => z.object({ message: z.string() }))();
