import type { PaymentProviderKind } from '../contract/return-payload.ts';

/** A refund the case store records as paid (a REFUND_APPLIED event). */
export type PaidRefund = {
  readonly caseId: string;
  readonly refundId: string;
  readonly amount: number;
  readonly currency: string;
  readonly providerReference: string;
  /** The payment's provider, when the refund named one. */
  readonly provider?: string;
  readonly paidAt: string;
};

/** The case store's record of paid refunds, by the time they were recorded. */
export interface PaidRefunds {
  /** Every refund recorded as paid in [from, to), oldest first. */
  listPaid(from: string, to: string): Promise<PaidRefund[]>;
}

/** A refund in a payment provider's own record, with what this system tagged it with. */
export type ProviderRefund = {
  readonly reference: string;
  /** Our refund id (Stripe: metadata.refundId), when the refund carries it. */
  readonly refundId?: string;
  readonly caseId?: string;
  readonly amount: number;
  readonly currency: string;
  readonly at: string;
};

/** A payment provider's own list of refunds, for reconciliation (#16). */
export interface ProviderRefundLedger {
  readonly provider: PaymentProviderKind;
  /** Every refund the provider made in [from, to). */
  listRefunds(from: string, to: string): Promise<ProviderRefund[]>;
}
