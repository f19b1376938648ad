import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { DynamoDbPaidRefunds } from '#lib/adapters/dynamodb-paid-refunds.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StripePaymentProvider } from '#lib/adapters/stripe-payment-provider.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { applyRefund } from '#lib/use-cases/apply-refund.ts';
import { reconcileRefunds } from '#lib/use-cases/reconcile-refunds.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { type StripeStandin, startStripeStandin } from '#local/stripe-standin.ts';
import { createTestTable, documentClient } from '#test/support/engines.ts';
import { pendingRefundCase } from '#test/support/payment-cases.ts';
import { expectEachKindFlagged, windowNow } from '#test/support/reconcile.ts';

/**
 * Reconciliation (#16): the refunds the case store records as paid against Stripe's own record
 * (the stand-in through the official SDK), on DynamoDB Local. A clean run finds nothing; each
 * kind of mismatch, injected on one side, is found, named and written to its case's history.
 */

const KEY = 'sk_test_reconcile';
let standin: StripeStandin;
let store: DynamoDbCaseStore;
let stripe: StripePaymentProvider;
let reconcileDeps: Parameters<typeof reconcileRefunds>[0];

beforeAll(async () => {
  standin = await startStripeStandin({ keys: [KEY] });
  const tableName = await createTestTable();
  store = new DynamoDbCaseStore(documentClient(), tableName);
  stripe = new StripePaymentProvider({ apiKey: async () => KEY, host: standin.host, port: standin.port, protocol: 'http' });
  reconcileDeps = { store, paid: new DynamoDbPaidRefunds(documentClient(), tableName), ledgers: [stripe], clock: systemClock };
});
afterAll(async () => {
  await standin.stop();
});

let n = 0;
/** A case paid through Stripe on its own payment intent: the worker's whole path. */
async function paidCase(): Promise<CaseRecord> {
  n += 1;
  const intent = `pi_recon_${n}`;
  // The intent captured more than this return: room for the extra refunds the test injects.
  standin.seedPaymentIntent({ id: intent, amount: 100_000, currency: 'cny' });
  const received = await pendingRefundCase(store, [{ provider: 'stripe', reference: intent, captured: 39_900, currency: 'CNY' }]);
  const paid = await applyRefund({ store, payments: stripe, clock: systemClock, policies: new StaticPolicyProvider() }, received.message);
  expect(paid.outcome).toBe('APPLIED');
  return (await store.getCase(received.c.caseId)) as CaseRecord;
}

describe('reconciling refunds with Stripe’s own record', () => {
  let cases: CaseRecord[];

  beforeAll(async () => {
    cases = [];
    for (let i = 0; i < 5; i += 1) cases.push(await paidCase());
  });

  it('a clean run finds every refund on both sides and no mismatch', async () => {
    const result = await reconcileRefunds(reconcileDeps, windowNow());
    expect(result).toMatchObject({ recorded: 5, providerRefunds: 5, mismatches: [], flagged: 0 });
  });

  it('finds each kind of mismatch, names it, and writes it to the case’s history; a dry run writes nothing', async () => {
    const [twice, unrecorded, unpaid, differs] = cases as [CaseRecord, CaseRecord, CaseRecord, CaseRecord];
    const sdk = new Stripe(KEY, { host: standin.host, port: standin.port, protocol: 'http', maxNetworkRetries: 0 });
    // Paid twice: a second refund under the same refund id (another idempotency key).
    await sdk.refunds.create(
      {
        payment_intent: twice.refund?.payment?.reference ?? '',
        amount: 100,
        metadata: { caseId: twice.caseId, refundId: twice.refund?.refundId ?? '' },
      },
      { idempotencyKey: 'manual-second-refund' },
    );
    // Paid but not recorded: a refund tagged with a refund id no case records as paid.
    await sdk.refunds.create(
      {
        payment_intent: unrecorded.refund?.payment?.reference ?? '',
        amount: 200,
        metadata: { caseId: unrecorded.caseId, refundId: `${unrecorded.refund?.refundId}9` },
      },
      { idempotencyKey: 'manual-unrecorded' },
    );
    const ledgerOf = (c: CaseRecord) => standin.ledger().find((r) => r.metadata.refundId === c.refund?.refundId);
    const tamper = (body: unknown) =>
      fetch(`${standin.url}/_control/tamper`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // Recorded but not paid: gone from Stripe's record. Amount differs: changed there.
    await tamper({ id: ledgerOf(unpaid)?.id, remove: true });
    await tamper({ id: ledgerOf(differs)?.id, amount: 39_000 });

    const versions = async () => Promise.all(cases.map(async (c) => (await store.getCase(c.caseId))?.version));
    const before = await versions();
    const dry = await reconcileRefunds(reconcileDeps, { ...windowNow(), dryRun: true });
    expect(dry.mismatches).toHaveLength(4);
    expect(await versions()).toEqual(before);

    const result = await reconcileRefunds(reconcileDeps, windowNow());
    await expectEachKindFlagged(
      store,
      result,
      { PAID_TWICE: twice, PAID_NOT_RECORDED: unrecorded, RECORDED_NOT_PAID: unpaid, AMOUNT_DIFFERS: differs },
      cases[4] as CaseRecord,
      'stripe',
    );
    expect(result.flagged).toBe(4);
  });

  it('a window outside the refunds sees none of them', async () => {
    const result = await reconcileRefunds(reconcileDeps, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    expect(result).toMatchObject({ recorded: 0, providerRefunds: 0, mismatches: [] });
  });
});
