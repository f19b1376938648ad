import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { CurrencySchema, IdentifierSchema, MinorUnitsSchema } from './return-payload.ts';

/**
 * The message on the refund FIFO queue, version 1. Message group = case id (refunds of
 * one case are applied in order), deduplication id = refund id (a re-publish within five
 * minutes is dropped by SQS; a later one is caught by the worker's conditional write and
 * the payment provider's idempotency key).
 */
export const REFUND_MESSAGE_VERSION = 1;

export const RefundMessageSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    schemaVersion: z.literal(REFUND_MESSAGE_VERSION),
    refundId: z.string().check(z.regex(/^rf_[0-9a-f]{24}_[0-9]+$/)),
    caseId: z.string().check(z.regex(/^cs_[0-9a-f]{24}$/)),
    sellerId: IdentifierSchema,
    amount: MinorUnitsSchema.check(z.positive()),
    currency: CurrencySchema,
    /** Case version at which the refund became due; for logs and audits only. */
    decidedAtVersion: z.int().check(z.positive()),
  }))();
export type RefundMessage = z.infer<typeof RefundMessageSchema>;

/** One refund per case per decision that made it due: stable across re-publishes. */
export function refundIdFor(caseId: string, version: number): string {
  return `rf_${caseId.slice(3)}_${version}`;
}

/** The case a refund id was made for (refundIdFor's inverse); undefined for anything else. */
export function caseIdOfRefund(refundId: string): string | undefined {
  const hash = /^rf_([0-9a-f]{24})_\d+$/.exec(refundId)?.[1];
  return hash === undefined ? undefined : `cs_${hash}`;
}
