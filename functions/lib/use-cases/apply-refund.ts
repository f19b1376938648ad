import { assertTransition, type CaseRecord, type CaseStatus, type RefundRecord } from '../workflow/case.ts';
import { ConcurrentModificationError, NotFoundError } from '../contract/errors.ts';
import type { RefundMessage } from '../contract/refund-message.ts';
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
 *    The case no longer waits for this refund (cancelled, superseded) → acknowledge, pay nothing.
 * 3. The message must match the case's refund record (amount, currency).
 * 4. Claim: PENDING → APPLYING, conditional on the version read. From here on the return can
 *    no longer be cancelled, so money is never paid for a cancelled case. A retry finding its
 *    own claim (APPLYING) goes on from step 5.
 * 5. Ask the payment provider, with the refund id as idempotency key: a retry after a crash
 *    anywhere below gets the first payment's receipt, never a second payment.
 * 6. Move the case REFUND_PENDING → REFUNDED with the receipt and a history event, conditional
 *    on the version read; a lost race re-reads and re-checks from step 2.
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
      const receipt = await payments.refund({
        idempotencyKey: message.refundId,
        caseId: message.caseId,
        amount: message.amount,
        currency: message.currency,
      });
      const now = clock.now().toISOString();
      await transition(store, current, now, {
        refund: { ...refund, status: 'APPLIED', providerReference: receipt.providerReference, appliedAt: now },
        status: 'REFUNDED',
        action: 'REFUND_APPLIED',
        details: {
          refundId: message.refundId,
          amount: message.amount,
          currency: message.currency,
          providerReference: receipt.providerReference,
          replayed: receipt.replayed,
        },
      });
      return { outcome: 'APPLIED', providerReference: receipt.providerReference, replayed: receipt.replayed };
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= MAX_COMMIT_ATTEMPTS) throw error;
      current = await readCase(store, message.caseId);
    }
  }
}

/** One conditional write: the new refund state, the case status and its history event. */
async function transition(
  store: CaseStore,
  current: CaseRecord,
  now: string,
  change: { refund: RefundRecord; status: CaseStatus; action: string; details: Record<string, unknown> },
): Promise<CaseRecord> {
  assertTransition(current.status, change.status);
  // What the buyer has received over every refund: a top-up adds to it, each refund once.
  const refundedTotal = change.refund.status === 'APPLIED' ? (current.refundedTotal ?? 0) + change.refund.amount : current.refundedTotal;
  const next: CaseRecord = {
    ...current,
    status: change.status,
    version: current.version + 1,
    updatedAt: now,
    refund: change.refund,
    ...(refundedTotal === undefined ? {} : { refundedTotal }),
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
