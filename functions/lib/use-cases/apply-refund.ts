import type { CaseRecord } from '../domain/case.ts';
import { assertTransition } from '../domain/case.ts';
import { ConcurrentModificationError, NotFoundError } from '../domain/errors.ts';
import type { RefundMessage } from '../domain/refund-message.ts';
import type { CaseStore } from '../ports/case-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { PaymentProvider } from '../ports/payment-provider.ts';

export type ApplyRefundDeps = {
  readonly store: CaseStore;
  readonly payments: PaymentProvider;
  readonly clock: Clock;
};

export type ApplyRefundResult =
  | { readonly outcome: 'APPLIED'; readonly providerReference: string; readonly replayed: boolean }
  | { readonly outcome: 'ALREADY_APPLIED' }
  | { readonly outcome: 'SUPERSEDED'; readonly status: string };

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
 * 3. The case no longer waits for this refund (superseded) → acknowledge, pay nothing.
 * 4. The message must match the case's refund record (amount, currency).
 * 5. Ask the payment provider, with the refund id as idempotency key: a retry after a crash
 *    anywhere below gets the first payment's receipt, never a second payment.
 * 6. Move the case REFUND_PENDING → REFUNDED with the receipt and a history event, conditional
 *    on the version read; a lost race re-reads and re-checks from step 2.
 */
export async function applyRefund(deps: ApplyRefundDeps, message: RefundMessage): Promise<ApplyRefundResult> {
  const { store, payments, clock } = deps;
  let current = await readCase(store, message.caseId);
  const early = alreadySettled(current, message);
  if (early !== undefined) return early;

  const refund = current.refund;
  if (refund === undefined || refund.amount !== message.amount || refund.currency !== message.currency) {
    throw new RefundMismatchError(`Refund ${message.refundId} does not match case ${message.caseId}'s refund record`);
  }

  const receipt = await payments.refund({
    idempotencyKey: message.refundId,
    caseId: message.caseId,
    amount: message.amount,
    currency: message.currency,
  });

  for (let attempt = 1; ; attempt++) {
    const now = clock.now().toISOString();
    assertTransition(current.status, 'REFUNDED');
    const next: CaseRecord = {
      ...current,
      status: 'REFUNDED',
      version: current.version + 1,
      updatedAt: now,
      refund: { ...refund, status: 'APPLIED', providerReference: receipt.providerReference, appliedAt: now },
    };
    try {
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
            action: 'REFUND_APPLIED',
            fromStatus: current.status,
            toStatus: 'REFUNDED',
            details: {
              refundId: message.refundId,
              amount: message.amount,
              currency: message.currency,
              providerReference: receipt.providerReference,
              replayed: receipt.replayed,
            },
          },
        ],
      });
      return { outcome: 'APPLIED', providerReference: receipt.providerReference, replayed: receipt.replayed };
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= MAX_COMMIT_ATTEMPTS) throw error;
      current = await readCase(store, message.caseId);
      const settled = alreadySettled(current, message);
      if (settled !== undefined) return settled;
    }
  }
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
