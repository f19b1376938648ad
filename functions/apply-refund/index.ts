import { applyRefundHandler } from '#lib/sqs/apply-refund-records.ts';
import { applyRefundDeps } from '#lib/wiring.ts';

/** Refund FIFO queue consumer: pays each due refund exactly once. */
export const handler = applyRefundHandler(applyRefundDeps());
