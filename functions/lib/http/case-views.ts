import type * as z from 'zod/mini';
import type { Decision } from '../decision/decision-schema.ts';
import type { CaseRecord } from '../workflow/case.ts';
import type { CaseListingItem } from '../ports/case-listing.ts';
import type { CaseSummarySchema, CaseViewSchema, ReadableTraceEntrySchema } from './seller-api-schemas.ts';

/**
 * What the seller API shows of a case. Fields are picked one by one, so an attribute added
 * to the stored case is not published until it is added here and to the schema.
 */

export type CaseView = z.output<typeof CaseViewSchema>;
export type CaseSummary = z.output<typeof CaseSummarySchema>;
export type ReadableTraceEntry = z.output<typeof ReadableTraceEntrySchema>;

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

export function toCaseView(c: CaseRecord): CaseView {
  return {
    caseId: c.caseId,
    marketplace: c.marketplace,
    marketplaceReturnId: c.marketplaceReturnId,
    orderId: c.orderId,
    sellerId: c.sellerId,
    status: c.status,
    version: c.version,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    lastEventAt: c.lastEventAt,
    priority: c.priority,
    escalationLevel: c.escalationLevel,
    ...optional('dueAt', c.dueAt),
    ...optional('assignee', c.assignee),
    return: c.return,
    staffEvidence: [...(c.staffEvidence ?? [])],
    ...optional('decision', c.decision),
    decisionCount: c.decisionCount ?? 0,
    ...optional('resolution', c.resolution),
    ledger: [...(c.ledger ?? [])],
    ...optional('refund', c.refund),
    ...optional('returnLeg', c.returnLeg === undefined ? undefined : { ...c.returnLeg, scans: [...c.returnLeg.scans] }),
    ...optional(
      'carrierClaim',
      c.carrierClaim === undefined
        ? undefined
        : {
            ...c.carrierClaim,
            evidence: {
              ...c.carrierClaim.evidence,
              scans: [...c.carrierClaim.evidence.scans],
              photos: [...c.carrierClaim.evidence.photos],
              weights: { ...c.carrierClaim.evidence.weights },
            },
          },
    ),
    ...optional('appeal', c.appeal),
    ...optional('appealRequest', c.appealRequest),
    ...optional('refundedTotal', c.refundedTotal),
    ...optional('refundedByPayment', c.refundedByPayment),
    ...optional('recommendation', c.recommendation),
    ...optional('replacement', c.replacement === undefined ? undefined : { ...c.replacement, scans: [...c.replacement.scans] }),
  };
}

/** The rules that fired, in chain order, with what each one says and weighs. */
export function readableTrace(decision: Decision | undefined): ReadableTraceEntry[] {
  return (decision?.trace ?? [])
    .filter((t) => t.fired)
    .map((t) => ({
      ruleId: t.ruleId,
      ruleVersion: t.ruleVersion,
      reasonCode: t.reasonCode,
      explanation: t.explanation,
      contribution: t.contribution,
    }));
}

export function toCaseSummary(c: CaseListingItem): CaseSummary {
  return {
    caseId: c.caseId,
    marketplace: c.marketplace,
    marketplaceReturnId: c.marketplaceReturnId,
    orderId: c.orderId,
    status: c.status,
    reason: c.return.reason,
    priority: c.priority,
    escalationLevel: c.escalationLevel,
    ...optional('dueAt', c.dueAt),
    ...optional('assignee', c.assignee),
    version: c.version,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    ...optional('remedy', c.resolution?.remedy ?? c.decision?.remedy),
    ...optional('confidence', c.decision?.confidence),
    ...optional(
      'refund',
      c.refund === undefined ? undefined : { status: c.refund.status, amount: c.refund.amount, currency: c.refund.currency },
    ),
  };
}

/** The ETag of a case version: a strong validator, `"7"`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}
