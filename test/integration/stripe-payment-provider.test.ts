import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StripePaymentProvider } from '#lib/adapters/stripe-payment-provider.ts';
import { PaymentProviderError } from '#lib/contract/errors.ts';
import type { RefundRequest } from '#lib/ports/payment-provider.ts';
import { type StripeStandin, startStripeStandin } from '#local/stripe-standin.ts';

/**
 * StripePaymentProvider through the official `stripe` SDK against the local Stripe stand-in
 * (host/port/protocol): idempotent replay, a lost answer, partial refunds up to the capture,
 * Stripe's refusals, a currency mismatch, a rotated key, and Stripe not answering.
 */

const KEY = 'sk_test_standin_key_1';
let standin: StripeStandin;
/** The key in the secret store, and the one a reader's cache still holds until a fresh read. */
let key = KEY;
let cached = KEY;
let keyReads = 0;

beforeAll(async () => {
  standin = await startStripeStandin({ keys: [KEY] });
});
afterAll(async () => {
  await standin.stop();
});

let intent = '';
let seq = 0;
beforeEach(() => {
  seq += 1;
  intent = `pi_test_${seq}`;
  standin.seedPaymentIntent({ id: intent, amount: 50_000, currency: 'eur' });
  standin.setKeys([KEY]);
  key = KEY;
  cached = KEY;
  keyReads = 0;
});

const provider = (timeoutMs = 1_000) =>
  new StripePaymentProvider({
    apiKey: async (options) => {
      keyReads += 1;
      if (options?.fresh) cached = key;
      return cached;
    },
    host: standin.host,
    port: standin.port,
    protocol: 'http',
    timeoutMs,
  });

const request = (refundId: string, amount: number, overrides: Partial<RefundRequest> = {}): RefundRequest => ({
  idempotencyKey: refundId,
  caseId: 'cs_0123456789abcdef01234567',
  marketplace: 'demo-market',
  sellerId: 'seller-1',
  amount,
  currency: 'EUR',
  payment: { provider: 'stripe', reference: intent, captured: 50_000, currency: 'EUR' },
  ...overrides,
});

const ledgerFor = () => standin.ledger().filter((r) => r.payment_intent === intent);

async function refusal(promise: Promise<unknown>): Promise<PaymentProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PaymentProviderError);
  return error as PaymentProviderError;
}

describe('StripePaymentProvider (official SDK) against the Stripe stand-in', () => {
  it('refunds on the payment intent with the refund id as idempotency key and in the metadata; a retry is a replay, not a payment', async () => {
    const first = await provider().refund(request('rf_a', 12_000));
    expect(first.replayed).toBe(false);
    expect(ledgerFor()).toEqual([
      expect.objectContaining({
        id: first.providerReference,
        amount: 12_000,
        currency: 'eur',
        metadata: { caseId: 'cs_0123456789abcdef01234567', refundId: 'rf_a' },
      }),
    ]);
    const again = await provider().refund(request('rf_a', 12_000));
    expect(again).toEqual({ providerReference: first.providerReference, replayed: true });
    expect(ledgerFor()).toHaveLength(1);
  });

  it('a lost answer (refunded, then the connection dropped) is settled by finding the refund, never by paying again', async () => {
    standin.setFaults({ refundThenLoseNext: 1 });
    const receipt = await provider().refund(request('rf_lost', 5_000));
    expect(receipt.replayed).toBe(true);
    expect(ledgerFor()).toEqual([expect.objectContaining({ id: receipt.providerReference, amount: 5_000 })]);
    // The worker's retry of the same refund: still one payment.
    await provider().refund(request('rf_lost', 5_000));
    expect(ledgerFor()).toHaveLength(1);
  });

  it('partial refunds add up to the capture at most: the one that would pass it is refused (amount_too_large), not retried', async () => {
    await provider().refund(request('rf_p1', 20_000));
    await provider().refund(request('rf_p2', 20_000));
    const error = await refusal(provider().refund(request('rf_p3', 20_000)));
    expect(error).toMatchObject({ retryable: false, providerCode: 'amount_too_large' });
    expect(ledgerFor().reduce((sum, r) => sum + r.amount, 0)).toBe(40_000);
    await provider().refund(request('rf_p4', 10_000));
    const done = await refusal(provider().refund(request('rf_p5', 1)));
    expect(done).toMatchObject({ retryable: false, providerCode: 'charge_already_refunded' });
  });

  it('a disputed charge and an unknown payment intent are refusals with Stripe’s code', async () => {
    standin.seedPaymentIntent({ id: intent, amount: 50_000, currency: 'eur', disputed: true });
    expect(await refusal(provider().refund(request('rf_d', 1_000)))).toMatchObject({ retryable: false, providerCode: 'charge_disputed' });
    const unknown = request('rf_u', 1_000, { payment: { provider: 'stripe', reference: 'pi_nowhere', captured: 1_000, currency: 'EUR' } });
    expect(await refusal(provider().refund(unknown))).toMatchObject({ retryable: false, providerCode: 'resource_missing' });
    expect(ledgerFor()).toEqual([]);
  });

  it('a refund in another currency than the payment intent is refused before anything is paid', async () => {
    const usd = request('rf_cur', 1_000, {
      currency: 'USD',
      payment: { provider: 'stripe', reference: intent, captured: 50_000, currency: 'USD' },
    });
    expect(await refusal(provider().refund(usd))).toMatchObject({ retryable: false, providerCode: 'CURRENCY_MISMATCH' });
    expect(ledgerFor()).toEqual([]);
  });

  it('a case without a Stripe payment is refused, not sent', async () => {
    const { payment: _none, ...withoutPayment } = request('rf_none', 1_000);
    expect(await refusal(provider().refund(withoutPayment))).toMatchObject({ retryable: false, providerCode: 'NO_STRIPE_PAYMENT' });
  });

  it('a rotated key: the 401 makes it read the key again (past its cache) and the refund goes through once', async () => {
    const p = provider();
    await p.refund(request('rf_k1', 1_000));
    standin.setKeys(['sk_test_standin_key_2']);
    key = 'sk_test_standin_key_2';
    const reads = keyReads;
    const receipt = await p.refund(request('rf_k2', 1_000));
    expect(receipt.replayed).toBe(false);
    expect(keyReads).toBe(reads + 2);
    expect(ledgerFor()).toHaveLength(2);
  });

  it('Stripe not answering (a time-out, a 5xx) is retryable, and nothing was paid', async () => {
    standin.setFaults({ timeoutNext: 1 });
    expect(await refusal(provider(300).refund(request('rf_t', 1_000)))).toMatchObject({ retryable: true });
    standin.setFaults({ failNext: 2, failStatus: 503 });
    expect(await refusal(provider().refund(request('rf_5', 1_000)))).toMatchObject({ retryable: true });
    expect(ledgerFor()).toEqual([]);
    // Once Stripe answers again, the same refund is paid once.
    await provider().refund(request('rf_5', 1_000));
    expect(ledgerFor()).toHaveLength(1);
  });
});
