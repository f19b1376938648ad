import { systemClock } from '#lib/ports/clock.ts';
import { applyRefundHandler } from '#lib/sqs/apply-refund-records.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { paymentProvider } from '#lib/wiring/payment-provider.ts';
import { policies } from '#lib/wiring/policies.ts';

/** Refund FIFO queue consumer: pays each due refund exactly once. */
export const handler = applyRefundHandler({ payments: paymentProvider(), store: caseStore(), clock: systemClock, policies: policies() });
