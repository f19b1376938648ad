import * as z from 'zod/mini';
// Schemas and commands are built inside /* @__PURE__ */ calls: a Lambda bundle then keeps only
// the command its function runs, with its body schema and domain function (see
// functions/staff-command/index.ts), and leaves out every other.
import { isRefundRemedy, recommendedRemedies } from '../decision/decision-schema.ts';
import {
  conditionGrades,
  IdentifierSchema,
  inspectionOutcomes,
  MAX_STAFF_EVIDENCE,
  MAX_STAFF_EVIDENCE_PER_REQUEST,
  MAX_TRACKING_EVENTS,
  MinorUnitsSchema,
  ReturnScanSchema,
  TimestampSchema,
} from '../contract/return-payload.ts';
import { boundedText } from '../contract/storable.ts';
import type { StaffPrincipal } from '../contract/staff-claims.ts';
import { ValidationError } from '../contract/errors.ts';
import type { CaseRecord } from '../workflow/case.ts';
import { appealCase } from '../workflow/appeal.ts';
import { recordClaimFiling as claimFiling, recordClaimOutcome as claimOutcome } from '../workflow/carrier-claim.ts';
import { mayAssignOthers } from '../workflow/permissions.ts';
import {
  recordInspection as inspection,
  recordReturnReceipt as returnReceipt,
  recordReturnShipment as returnShipment,
} from '../workflow/return-leg-staff.ts';
import {
  addNote as note,
  addStaffEvidence,
  approveDecision as approve,
  assignCase as assign,
  MAX_NOTE_LENGTH,
  overrideDecision as override,
  type StaffActionContext,
  type StaffChange,
  StaffEvidenceSchema,
} from '../workflow/staff-actions.ts';
import type { StaffDirectory } from '../ports/staff-directory.ts';

/**
 * Every staff write, once: the body it takes and the domain function it runs. The rest is
 * shared and driven by the function manifest (functions/manifest.ts: route, roles, grants,
 * OpenAPI text): functions/lib/http/routes/staff-command.ts reads the caller, the case id,
 * If-Match and the body, then runStaffCommand (./staff-case-command.ts) reads the caller's
 * own case, checks the version, runs `change` and commits it with its history in one
 * conditional transaction, and publishes a refund it made due.
 *
 * A command's export name is its manifest entry's name in camelCase (`add-note` → `addNote`):
 * the Lambda bundle of `add-note` keeps `addNote` alone.
 *
 * Adding a staff write: a manifest entry with a `command`, a command here (its body schema
 * and the domain function it calls, in functions/lib/workflow/), and tests.
 */

/** What a command's change may use beyond the case and the action context. */
export type StaffCommandExtras = {
  readonly principal: StaffPrincipal;
  /** Set for commands whose manifest entry is granted `staffDirectory`. */
  readonly staff?: StaffDirectory | undefined;
};

export type StaffCommand<B = unknown> = {
  /** The request body; its component in openapi.json is named by the manifest entry. */
  readonly body: z.ZodMiniType<B>;
  /** The domain step: the next case and its history from the case as read (throws 400/403/409). */
  readonly change: (
    current: CaseRecord,
    ctx: StaffActionContext,
    body: B,
    extras: StaffCommandExtras,
  ) => StaffChange | Promise<StaffChange>;
};

function staffCommand<S extends z.ZodMiniType>(
  body: S,
  change: (
    current: CaseRecord,
    ctx: StaffActionContext,
    body: z.output<S>,
    extras: StaffCommandExtras,
  ) => StaffChange | Promise<StaffChange>,
): StaffCommand<z.output<S>> {
  return { body: body as z.ZodMiniType<z.output<S>>, change };
}

/* ------------------------------------------------------------------------------- bodies */

/** An approval comment or override reason, in characters (UTF-16 code units: up to 3,000 bytes stored). */
export const MAX_COMMENT_LENGTH = 1_000;

export const AddEvidenceBodySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      evidence: z.array(StaffEvidenceSchema).check(
        z.minLength(1),
        z.maxLength(MAX_STAFF_EVIDENCE_PER_REQUEST),
        z.meta({
          description: `At most ${MAX_STAFF_EVIDENCE_PER_REQUEST} per request and ${MAX_STAFF_EVIDENCE} per case (400 naming \`evidence\` beyond)`,
        }),
      ),
    })
    .check(
      z.superRefine((body, ctx) => {
        const seen = new Set<string>();
        body.evidence.forEach((item, i) => {
          if (item.id === undefined) return;
          if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: ['evidence', i, 'id'], message: 'is used twice in this request' });
          seen.add(item.id);
        });
      }),
      z.meta({ description: 'Evidence is recorded as submitted by SELLER, now.' }),
    ))();

export const ApproveBodySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({ comment: z.optional(boundedText(MAX_COMMENT_LENGTH, { trim: true, min: 1 })) })
    .check(z.meta({ description: 'Optional; an empty body approves too.' })))();

export const OverrideBodySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      remedy: z.enum(recommendedRemedies),
      /** Free text: stored in the history, never logged. */
      reason: boundedText(MAX_COMMENT_LENGTH, { trim: true, min: 3 }),
      amount: z.optional(MinorUnitsSchema.check(z.positive())).check(
        z.meta({
          description: 'Refund in minor units of the return currency; required for refund remedies, never above the amount paid',
        }),
      ),
    })
    .check(
      z.superRefine((body, ctx) => {
        if (isRefundRemedy(body.remedy) && body.amount === undefined) {
          ctx.addIssue({ code: 'custom', path: ['amount'], message: `is required when the remedy is ${body.remedy}` });
        }
        if (!isRefundRemedy(body.remedy) && body.amount !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['amount'], message: `must be omitted when the remedy is ${body.remedy}` });
        }
      }),
    ))();

/** `POST /cases/{id}/return-shipment`: the return parcel as staff know it (#15). */
export const ReturnShipmentBodySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    carrier: IdentifierSchema,
    trackingNumber: IdentifierSchema,
    scans: z
      .optional(z.array(ReturnScanSchema).check(z.maxLength(MAX_TRACKING_EVENTS)))
      .check(z.meta({ description: `Carrier scans of the return parcel, at most ${MAX_TRACKING_EVENTS}; merged with those known` })),
  }))();

/** `POST /cases/{id}/return-receipt`: the goods arrived (#15). */
export const ReturnReceiptBodySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({ receivedAt: z.optional(TimestampSchema) })
    .check(z.meta({ description: 'receivedAt defaults to now; an empty body records the receipt now.' })))();

/** `POST /cases/{id}/inspection`: what came back (#15). */
export const InspectionBodySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      outcome: z.enum(inspectionOutcomes),
      conditionGrade: z.optional(z.enum(conditionGrades)).check(z.meta({ description: 'Required with USED_OR_DAMAGED_BY_BUYER' })),
      foundSkuOrSerial: z.optional(IdentifierSchema),
    })
    .check(
      z.superRefine((body, ctx) => {
        if (body.outcome === 'USED_OR_DAMAGED_BY_BUYER' && body.conditionGrade === undefined) {
          ctx.addIssue({ code: 'custom', path: ['conditionGrade'], message: 'is required for USED_OR_DAMAGED_BY_BUYER' });
        }
      }),
    ))();

export const NoteBodySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({ text: boundedText(MAX_NOTE_LENGTH, { trim: true, min: 1 }) })
    .check(z.meta({ description: 'The text may hold personal data: stored in the history, never logged.' })))();

/** `POST /cases/{id}/carrier-claim/filing`: the claim was filed with the carrier (#19). */
export const ClaimFilingBodySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      claimReference: IdentifierSchema.check(z.meta({ description: 'The carrier’s reference for the filed claim' })),
      filedAt: z.optional(TimestampSchema),
    })
    .check(z.meta({ description: 'filedAt defaults to now; it must not be later than now nor than the claim’s fileBy.' })))();

/** `POST /cases/{id}/carrier-claim/outcome`: the carrier paid or denied the filed claim (#19). */
export const ClaimOutcomeBodySchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      outcome: z.enum(['PAID', 'DENIED']),
      recoveredAmount: z.optional(
        MinorUnitsSchema.check(z.meta({ description: 'PAID: what the carrier paid, minor units; defaults to the amount claimed' })),
      ),
      reason: z.optional(boundedText(MAX_NOTE_LENGTH, { trim: true, min: 1 })),
    })
    .check(
      z.superRefine((body, ctx) => {
        if (body.outcome === 'DENIED' && body.recoveredAmount !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['recoveredAmount'], message: 'is only for PAID' });
        }
      }),
      z.meta({ description: 'A denial moves the carrier’s share back to the seller in the ledger. The reason is stored, never logged.' }),
    ))();

export const AssignBodySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    assignee: z
      .nullable(IdentifierSchema)
      .check(z.meta({ description: 'User id (token sub) of a staff member of your seller; null releases the case' })),
  }))();

/* ----------------------------------------------------------------------------- commands */

/**
 * Staff evidence (recorded as submitted by SELLER, EVIDENCE_ADDED), then a new DECISION_MADE
 * while the case is open to a decision; a refund the new decision makes due is published
 * after the commit, as on intake.
 */
export const addEvidence = /* @__PURE__ */ staffCommand(AddEvidenceBodySchema, (current, ctx, body) =>
  addStaffEvidence(current, body.evidence, ctx),
);

/**
 * Acts on the recommended remedy: a refund within the caller's authority (policy.authorityLimits)
 * becomes due (REFUND_PENDING, REFUND_DUE, outbox record) and is published after the commit;
 * above it, 403 naming the limit. Twenty concurrent approvals of one version: one commits, the
 * others get 412, and exactly one refund is due.
 */
export const approveDecision = /* @__PURE__ */ staffCommand(ApproveBodySchema, (current, ctx, body) =>
  approve(current, ctx, { comment: body.comment }),
);

/**
 * Replaces the recommended remedy with the caller's own, for a stated reason: amount never above
 * the amount paid, within the caller's authority; DECISION_OVERRIDDEN keeps the reason.
 */
export const overrideDecision = /* @__PURE__ */ staffCommand(OverrideBodySchema, (current, ctx, body) => override(current, ctx, body));

/** A note in the history (NOTE_ADDED, status unchanged). The text may hold personal data: stored, never logged. */
export const addNote = /* @__PURE__ */ staffCommand(NoteBodySchema, (current, ctx, body) => note(current, ctx, { text: body.text }));

/** The return parcel (carrier, tracking, scans) (#15); a refund it releases is published after the commit. */
export const recordReturnShipment = /* @__PURE__ */ staffCommand(ReturnShipmentBodySchema, (current, ctx, body) =>
  returnShipment(current, ctx, body),
);

/** The receipt of the returned goods (#15); a refund held until receipt is released. */
export const recordReturnReceipt = /* @__PURE__ */ staffCommand(ReturnReceiptBodySchema, (current, ctx, body) =>
  returnReceipt(current, ctx, body),
);

/** What the inspection of the returned goods found (#15): the rule chain decides again with it. */
export const recordInspection = /* @__PURE__ */ staffCommand(InspectionBodySchema, (current, ctx, body) => inspection(current, ctx, body));

/** The carrier claim was filed (#19): TO_FILE → FILED with the carrier's reference, before its deadline. */
export const recordClaimFiling = /* @__PURE__ */ staffCommand(ClaimFilingBodySchema, (current, ctx, body) =>
  claimFiling(current, ctx, body),
);

/** The carrier's answer to a filed claim (#19): PAID (what it paid) or DENIED (the cost falls back to the seller). */
export const recordClaimOutcome = /* @__PURE__ */ staffCommand(ClaimOutcomeBodySchema, (current, ctx, body) =>
  claimOutcome(current, ctx, body),
);

/**
 * The one appeal of a case (#19), APPEAL_DECIDED in the history; a top-up it makes due is
 * published after the commit. The worker pays each refund id once.
 */
export const appealDecision = /* @__PURE__ */ staffCommand(OverrideBodySchema, (current, ctx, body) => appealCase(current, ctx, body));

/**
 * Assigns a case to a staff member of the caller's seller, or releases it (`null`). Agents take
 * cases for themselves or release their own; supervisors and managers assign anyone (403
 * otherwise). The assignee must be staff of the caller's own seller: 400 naming `assignee`
 * otherwise, the same answer for an unknown user and another seller's, so neither can be probed.
 */
export const assignCase = /* @__PURE__ */ staffCommand(AssignBodySchema, async (current, ctx, body, { principal, staff }) => {
  const change = assign(current, { ...ctx, mayAssignOthers: mayAssignOthers(ctx.role) }, { assignee: body.assignee });
  if (body.assignee !== null) {
    if (staff === undefined) throw new Error('assign-case needs the staff directory (manifest access.staffDirectory)');
    if (!(await staff.isStaffOf(principal.sellerId, body.assignee))) {
      throw new ValidationError('Invalid assignee', [{ field: 'assignee', problem: 'is not a staff member of your seller' }]);
    }
  }
  return change;
});
