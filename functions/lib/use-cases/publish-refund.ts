import type { OutboxRecord } from '../workflow/decision-step.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { RefundQueue } from '../ports/refund-queue.ts';

export type PublishRefundDeps = { readonly store: CaseStore; readonly refunds: RefundQueue };

export type PublishOutcome = 'PUBLISHED' | 'PUBLISH_FAILED' | 'PUBLISHED_NOT_CLEARED';

/**
 * Hands a committed refund to the queue, then clears its outbox record.
 *
 * Called right after the commit that made the refund due. If the process dies or the
 * queue refuses before the record is cleared, the outbox relay publishes it again later:
 * SQS FIFO drops a repeat within five minutes (deduplication id = refund id), and the
 * worker's conditional write and the provider's idempotency key make a later repeat harmless.
 * Never throws: the caller's change is already safely committed, and the outcome says what
 * is left for the relay.
 */
export async function publishRefund(deps: PublishRefundDeps, outbox: OutboxRecord): Promise<PublishOutcome> {
  try {
    await deps.refunds.publish(outbox.message);
  } catch {
    return 'PUBLISH_FAILED';
  }
  try {
    await deps.store.clearOutbox(outbox.caseId, outbox.refundId);
  } catch {
    return 'PUBLISHED_NOT_CLEARED';
  }
  return 'PUBLISHED';
}
