/**
 * The payment service that sends money back to the buyer's original payment method.
 * Implementations must pass `idempotencyKey` so that a retry after a crash or a timeout
 * returns the first result instead of paying again.
 */
export type RefundRequest = {
  readonly idempotencyKey: string;
  readonly caseId: string;
  readonly amount: number;
  readonly currency: string;
};

export type RefundReceipt = {
  readonly providerReference: string;
  /** True when the provider answered from its idempotency record: no new money moved. */
  readonly replayed: boolean;
};

export interface PaymentProvider {
  refund(request: RefundRequest): Promise<RefundReceipt>;
}
