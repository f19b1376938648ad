/**
 * The payment service that sends money back to the buyer's original payment method.
 * Implementations must pass `idempotencyKey` so that a retry after a crash or a timeout
 * returns the first result instead of paying again.
 */
import type { PaymentReference } from '../contract/return-payload.ts';

export type RefundRequest = {
  readonly idempotencyKey: string;
  readonly caseId: string;
  readonly marketplace: string;
  readonly sellerId: string;
  /** The marketplace's order id (a Shopify refund is made on that order). */
  readonly orderId?: string;
  readonly amount: number;
  readonly currency: string;
  /** The payment the refund goes back to, when the return names its payments (#16). */
  readonly payment?: PaymentReference;
};

export type RefundReceipt = {
  readonly providerReference: string;
  /** True when the provider answered from its idempotency record: no new money moved. */
  readonly replayed: boolean;
};

/**
 * A provider either pays (a receipt), or throws PaymentProviderError: `retryable` for "ask
 * again later" (no answer, 5xx, 429: the idempotency key makes the retry safe), not retryable
 * for a business refusal (already refunded, amount too large, disputed): the worker then ends
 * the refund as REFUSED for staff instead of retrying it into the dead-letter queue.
 */
export interface PaymentProvider {
  refund(request: RefundRequest): Promise<RefundReceipt>;
}
