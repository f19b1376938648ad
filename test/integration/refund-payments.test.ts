import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StripePaymentProvider } from '#lib/adapters/stripe-payment-provider.ts';
import type { PaymentReference } from '#lib/contract/return-payload.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { applyRefund } from '#lib/use-cases/apply-refund.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { overrideDecision } from '#lib/workflow/staff-actions.ts';
import { type StripeStandin, startStripeStandin } from '#local/stripe-standin.ts';
import { createTestTable, documentClient } from '#test/support/engines.ts';
import { pendingRefundCase } from '#test/support/payment-cases.ts';

/**
 * The refund worker with the payments a return names (#16), on DynamoDB Local and the Stripe
 * stand-in through the official SDK: the refund goes back to the named payment and is counted
 * against it; a refund no payment can take, or one Stripe refuses, ends REFUSED for staff
 * (NEEDS_REVIEW with a deadline, REFUND_REFUSED in the history) instead of being retried into
 * the dead-letter queue; nothing is paid twice.
 */

const KEY = 'sk_test_refund_payments';
let standin: StripeStandin;
let store: DynamoDbCaseStore;
const policies = new StaticPolicyProvider();
let deps: Parameters<typeof applyRefund>[0];

beforeAll(async () => {
  standin = await startStripeStandin({ keys: [KEY] });
  store = new DynamoDbCaseStore(documentClient(), await createTestTable());
  const payments = new StripePaymentProvider({ apiKey: async () => KEY, host: standin.host, port: standin.port, protocol: 'http' });
  deps = { store, payments, clock: systemClock, policies };
});
afterAll(async () => {
  await standin.stop();
});

let n = 0;
/** A CNY 399.00 seller-defect case whose goods are back: REFUND_PENDING, its message due. */
async function pendingCase(payments: PaymentReference[]) {
  n += 1;
  const { c, message } = await pendingRefundCase(store, payments);
  expect(c.status).toBe('REFUND_PENDING');
  return { c, message, intent: `pi_rp_${n}` };
}

const read = async (caseId: string) => (await store.getCase(caseId)) as CaseRecord;
const paidOn = (intent: string) => standin.ledger().filter((r) => r.payment_intent === intent);

describe('refunds go back through the payment the return names', () => {
  it('is paid on the named Stripe payment intent and counted against it; the redelivered message pays nothing more', async () => {
    const { c, message } = await pendingCase([{ provider: 'stripe', reference: 'pi_rp_ok', captured: 39_900, currency: 'CNY' }]);
    standin.seedPaymentIntent({ id: 'pi_rp_ok', amount: 39_900, currency: 'cny' });
    expect(await applyRefund(deps, message)).toMatchObject({ outcome: 'APPLIED', replayed: false });
    const paid = await read(c.caseId);
    expect(paid).toMatchObject({
      status: 'REFUNDED',
      refund: { status: 'APPLIED', payment: { provider: 'stripe', reference: 'pi_rp_ok' } },
      refundedByPayment: { 'stripe:pi_rp_ok': 39_900 },
    });
    expect(await applyRefund(deps, message)).toEqual({ outcome: 'ALREADY_APPLIED' });
    expect(paidOn('pi_rp_ok')).toHaveLength(1);
  });

  it('a refund above what any payment has left is REFUSED before anything is sent: the case waits for staff', async () => {
    const { c, message } = await pendingCase([{ provider: 'stripe', reference: 'pi_rp_small', captured: 10_000, currency: 'CNY' }]);
    standin.seedPaymentIntent({ id: 'pi_rp_small', amount: 10_000, currency: 'cny' });
    expect(await applyRefund(deps, message)).toEqual({ outcome: 'REFUSED', code: 'EXCEEDS_CAPTURED' });
    const refused = await read(c.caseId);
    expect(refused).toMatchObject({ status: 'NEEDS_REVIEW', refund: { status: 'REFUSED', refusal: { code: 'EXCEEDS_CAPTURED' } } });
    expect(Date.parse(refused.dueAt ?? '')).toBeGreaterThan(Date.now());
    expect(paidOn('pi_rp_small')).toEqual([]);
    const history = await store.getHistory(c.caseId);
    expect(history.at(-1)).toMatchObject({ action: 'REFUND_REFUSED', fromStatus: 'REFUND_PENDING', toStatus: 'NEEDS_REVIEW' });
    // A redelivery of the message finds the case no longer waiting for it.
    expect(await applyRefund(deps, message)).toMatchObject({ outcome: 'SUPERSEDED' });
  });

  it('no payment in the refund’s currency: REFUSED (CURRENCY_MISMATCH), nothing sent', async () => {
    const { c, message } = await pendingCase([{ provider: 'stripe', reference: 'pi_rp_usd', captured: 99_000, currency: 'USD' }]);
    expect(await applyRefund(deps, message)).toEqual({ outcome: 'REFUSED', code: 'CURRENCY_MISMATCH' });
    expect((await read(c.caseId)).refund?.status).toBe('REFUSED');
    expect(paidOn('pi_rp_usd')).toEqual([]);
  });

  it('Stripe’s own refusal (a disputed charge) ends REFUSED with its code; staff then settle it and the new refund is paid once', async () => {
    const { c, message } = await pendingCase([{ provider: 'stripe', reference: 'pi_rp_disp', captured: 39_900, currency: 'CNY' }]);
    standin.seedPaymentIntent({ id: 'pi_rp_disp', amount: 39_900, currency: 'cny', disputed: true });
    expect(await applyRefund(deps, message)).toEqual({ outcome: 'REFUSED', code: 'charge_disputed' });
    const refused = await read(c.caseId);
    expect(refused.refund?.refusal?.code).toBe('charge_disputed');

    // The dispute is resolved; a supervisor re-decides: a new refund, a new id.
    standin.seedPaymentIntent({ id: 'pi_rp_disp', amount: 39_900, currency: 'cny' });
    const staff = {
      now: new Date().toISOString(),
      actor: { kind: 'STAFF' as const, id: 'sup-1', role: 'supervisor' },
      role: 'supervisor' as const,
      policy: defaultPolicy,
    };
    const settled = overrideDecision(refused, staff, { remedy: 'FULL_REFUND', reason: 'dispute closed in our favour', amount: 39_900 });
    if (settled.outbox === undefined) throw new Error('a refund due');
    await store.commit({ next: settled.next, expectedVersion: refused.version, events: settled.events, outbox: settled.outbox });
    expect(settled.outbox.refundId).not.toBe(message.refundId);
    expect(await applyRefund(deps, settled.outbox.message)).toMatchObject({ outcome: 'APPLIED' });
    expect(await applyRefund(deps, message)).toMatchObject({ outcome: 'SUPERSEDED' });
    expect(paidOn('pi_rp_disp').map((r) => r.amount)).toEqual([39_900]);
  });
});
