import { assertTransition, type CaseRecord, type CaseStatus, type RefundRecord } from '../workflow/case.ts';
import { ConcurrentModificationError, NotFoundError, PaymentProviderError } from '../contract/errors.ts';
import type { RefundMessage } from '../contract/refund-message.ts';
import type { PaymentReference } from '../contract/return-payload.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { PaymentProvider } from '../ports/payment-provider.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import { resolutionDueAt } from '../workflow/service-levels.ts';

export type ApplyRefundDeps = {
  readonly store: CaseStore;
  readonly payments: PaymentProvider;
  readonly clock: Clock;
  /** For the staff deadline of a refused refund's case. */
  readonly policies: PolicyProvider;
};

export type ApplyRefundResult =
  | { readonly outcome: 'APPLIED'; readonly providerReference: string; readonly replayed: boolean }
  | { readonly outcome: 'ALREADY_APPLIED' }
  | { readonly outcome: 'SUPERSEDED'; readonly status: string }
  | { readonly outcome: 'REFUSED'; readonly code: string };

/** The key a payment's refunded sum is kept under on the case. */
export const paymentKey = (p: Pick<PaymentReference, 'provider' | 'reference'>) => `${p.provider}:${p.reference}`;

/**
 * The payment a refund goes back to: the first of the order's payments in the refund's
 * currency with enough left of its capture (captured minus what was refunded on it). No
 * payments named: undefined (the configured provider decides). Payments named but none can
 * take it: a refusal, before anything is sent.
 */
export function paymentFor(
  c: Pick<CaseRecord, 'return' | 'refundedByPayment'>,
  amount: number,
  currency: string,
): { payment?: PaymentReference } | { refusal: { code: string; detail: string } } {
  const payments = c.return.payments ?? [];
  if (payments.length === 0) return {};
  const inCurrency = payments.filter((p) => p.currency === currency);
  if (inCurrency.length === 0) {
    return { refusal: { code: 'CURRENCY_MISMATCH', detail: `No payment of the order is in ${currency}` } };
  }
  const payment = inCurrency.find((p) => p.captured - (c.refundedByPayment?.[paymentKey(p)] ?? 0) >= amount);
  if (payment === undefined) {
    return {
      refusal: {
        code: 'EXCEEDS_CAPTURED',
        detail: `${amount} ${currency} is more than is left to refund on any payment of the order (captured minus refunded)`,
      },
    };
  }
  return { payment };
}

/** The queued refund does not match the case's own record of it: a bug or tampering. */
export class RefundMismatchError extends Error {
  override readonly name = 'RefundMismatchError';
}

const MAX_COMMIT_ATTEMPTS = 5;

/**
 * Applies one queued refund, exactly once.
 *
 * Steps:
 * 1. Read the case. Missing → throw (the message is retried, then dead-lettered for a human).
 * 2. Already APPLIED under this refund id → nothing to do (a redelivery or a re-publish).
 *    The case no longer waits for this refund (cancelled, superseded) → acknowledge, pay nothing.
 * 3. The message must match the case's refund record (amount, currency).
 * 4. Claim: PENDING → APPLYING, conditional on the version read. From here on the return can
 *    no longer be cancelled, so money is never paid for a cancelled case. A retry finding its
 *    own claim (APPLYING) goes on from step 5.
 * 5. Choose the payment it goes back to (paymentFor): never more than a payment has left of
 *    its capture. None can take it → REFUSED (step 7), nothing sent.
 * 6. Ask the payment provider, with the refund id as idempotency key: a retry after a crash
 *    anywhere below gets the first payment's receipt, never a second payment. Move the case
 *    REFUND_PENDING → REFUNDED with the receipt and a history event, conditional on the version
 *    read; a lost race re-reads and re-checks from step 2.
 * 7. A business refusal (the provider's, not retryable; or step 5's) ends the refund as
 *    REFUSED and the case in NEEDS_REVIEW with a staff deadline, with REFUND_REFUSED in the
 *    history: acknowledged, not retried into the dead-letter queue. Nothing was paid, so
 *    staff may decide again (an override makes a new refund).
 */
export async function applyRefund(deps: ApplyRefundDeps, message: RefundMessage): Promise<ApplyRefundResult> {
  const { store, payments, clock } = deps;
  let current = await readCase(store, message.caseId);

  for (let attempt = 1; ; attempt++) {
    const settled = alreadySettled(current, message);
    if (settled !== undefined) return settled;
    const refund = current.refund;
    if (refund === undefined || refund.amount !== message.amount || refund.currency !== message.currency) {
      throw new RefundMismatchError(`Refund ${message.refundId} does not match case ${message.caseId}'s refund record`);
    }
    try {
      if (refund.status === 'PENDING') {
        current = await transition(store, current, clock.now().toISOString(), {
          refund: { ...refund, status: 'APPLYING' },
          status: 'REFUND_PENDING',
          action: 'REFUND_STARTED',
          details: { refundId: message.refundId },
        });
      }
      const chosen = paymentFor(current, message.amount, message.currency);
      if ('refusal' in chosen) return await refuse(deps, current, refund, chosen.refusal);
      const payment = chosen.payment;
      let receipt: Awaited<ReturnType<PaymentProvider['refund']>>;
      try {
        receipt = await payments.refund({
          idempotencyKey: message.refundId,
          caseId: message.caseId,
          marketplace: current.marketplace,
          sellerId: current.sellerId,
          orderId: current.orderId,
          amount: message.amount,
          currency: message.currency,
          ...(payment === undefined ? {} : { payment }),
        });
      } catch (error) {
        if (!(error instanceof PaymentProviderError) || error.retryable) throw error;
        return await refuse(deps, current, refund, { code: error.providerCode ?? 'PROVIDER_REFUSED', detail: error.message });
      }
      const now = clock.now().toISOString();
      const paidOn = payment === undefined ? {} : { payment: { provider: payment.provider, reference: payment.reference } };
      await transition(store, current, now, {
        refund: { ...refund, status: 'APPLIED', providerReference: receipt.providerReference, appliedAt: now, ...paidOn },
        status: 'REFUNDED',
        action: 'REFUND_APPLIED',
        details: {
          refundId: message.refundId,
          amount: message.amount,
          currency: message.currency,
          providerReference: receipt.providerReference,
          replayed: receipt.replayed,
          ...paidOn,
        },
        ...(payment === undefined ? {} : { paidOn: paymentKey(payment) }),
      });
      return { outcome: 'APPLIED', providerReference: receipt.providerReference, replayed: receipt.replayed };
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= MAX_COMMIT_ATTEMPTS) throw error;
      current = await readCase(store, message.caseId);
    }
  }
}

/**
 * The refund ends REFUSED: nothing was paid. The case waits for staff (NEEDS_REVIEW, with the
 * deadline of its escalation level), the history says why; the message is acknowledged.
 */
async function refuse(
  deps: ApplyRefundDeps,
  current: CaseRecord,
  refund: RefundRecord,
  refusal: { code: string; detail: string },
): Promise<ApplyRefundResult> {
  const now = deps.clock.now().toISOString();
  const policy = deps.policies.policyFor(current.marketplace, current.sellerId);
  await transition(deps.store, current, now, {
    refund: { ...refund, status: 'REFUSED', refusal },
    status: 'NEEDS_REVIEW',
    action: 'REFUND_REFUSED',
    details: { refundId: refund.refundId, amount: refund.amount, currency: refund.currency, ...refusal },
    dueAt: resolutionDueAt(current.escalationLevel, policy, now),
  });
  return { outcome: 'REFUSED', code: refusal.code };
}

/** One conditional write: the new refund state, the case status and its history event. */
async function transition(
  store: CaseStore,
  current: CaseRecord,
  now: string,
  change: {
    refund: RefundRecord;
    status: CaseStatus;
    action: string;
    details: Record<string, unknown>;
    /** The payment (`provider:reference`) an APPLIED refund was paid on. */
    paidOn?: string;
    /** A new staff deadline (a refused refund's case). */
    dueAt?: string;
  },
): Promise<CaseRecord> {
  assertTransition(current.status, change.status);
  // What the buyer has received over every refund: a top-up adds to it, each refund once.
  const applied = change.refund.status === 'APPLIED';
  const refundedTotal = applied ? (current.refundedTotal ?? 0) + change.refund.amount : current.refundedTotal;
  const refundedByPayment =
    applied && change.paidOn !== undefined
      ? { ...current.refundedByPayment, [change.paidOn]: (current.refundedByPayment?.[change.paidOn] ?? 0) + change.refund.amount }
      : current.refundedByPayment;
  const next: CaseRecord = {
    ...current,
    status: change.status,
    version: current.version + 1,
    updatedAt: now,
    refund: change.refund,
    ...(refundedTotal === undefined ? {} : { refundedTotal }),
    ...(refundedByPayment === undefined ? {} : { refundedByPayment }),
    ...(change.dueAt === undefined ? {} : { dueAt: change.dueAt }),
  };
  await store.commit({
    next,
    expectedVersion: current.version,
    events: [
      {
        caseId: current.caseId,
        version: next.version,
        seq: 0,
        at: now,
        actor: { kind: 'SYSTEM', id: 'apply-refund' },
        action: change.action,
        fromStatus: current.status,
        toStatus: change.status,
        details: change.details,
      },
    ],
  });
  return next;
}

async function readCase(store: CaseStore, caseId: string): Promise<CaseRecord> {
  const found = await store.getCase(caseId);
  if (found === undefined) throw new NotFoundError(`Case ${caseId} for a queued refund does not exist`);
  return found;
}

function alreadySettled(current: CaseRecord, message: RefundMessage): ApplyRefundResult | undefined {
  if (current.refund?.refundId === message.refundId && current.refund.status === 'APPLIED') {
    return { outcome: 'ALREADY_APPLIED' };
  }
  if (current.status !== 'REFUND_PENDING' || current.refund?.refundId !== message.refundId) {
    return { outcome: 'SUPERSEDED', status: current.status };
  }
  return undefined;
}
