import { recordRefundAttemptFailed } from '../business-metrics.ts';
import { PaymentProviderError } from '../contract/errors.ts';
import { RefundMessageSchema } from '../contract/refund-message.ts';
import { logger } from '../observability.ts';
import { type ApplyRefundDeps, applyRefund } from '../use-cases/apply-refund.ts';
import { sqsFifoHandler } from './sqs-handler.ts';

/** Refund queue records → applyRefund, one at a time per message group. */
export function applyRefundHandler(deps: ApplyRefundDeps) {
  return sqsFifoHandler(RefundMessageSchema, async function applyRefundRecord(message) {
    let result: Awaited<ReturnType<typeof applyRefund>>;
    try {
      result = await applyRefund(deps, message);
    } catch (error) {
      recordRefundAttemptFailed(
        error instanceof PaymentProviderError ? (error.retryable ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REFUSED') : 'OTHER',
      );
      throw error;
    }
    // A business refusal is acknowledged (the case waits for staff) and counted like one.
    if (result.outcome === 'REFUSED') recordRefundAttemptFailed('PROVIDER_REFUSED');
    logger.info('refund processed', {
      caseId: message.caseId,
      refundId: message.refundId,
      outcome: result.outcome,
      ...(result.outcome === 'APPLIED' ? { replayed: result.replayed } : {}),
      ...(result.outcome === 'REFUSED' ? { refusal: result.code } : {}),
    });
  });
}
