import Stripe from 'stripe';
import { PaymentProviderError } from '../contract/errors.ts';
import type { PaymentProvider, RefundReceipt, RefundRequest } from '../ports/payment-provider.ts';
import type { ProviderRefund, ProviderRefundLedger } from '../ports/refund-records.ts';

/**
 * Refunds through Stripe with the official `stripe` SDK (#16): `refunds.create` on the payment
 * intent the return names, with the amount, metadata (case and refund ids) and the refund id as
 * `idempotencyKey`, so a retry of the same refund is answered from Stripe's idempotency record.
 *
 * - A lost answer (no connection, time-out, 5xx, 429) is settled by looking the refund up by its
 *   metadata on that payment intent, not by paying again; not found, it is retryable (the
 *   idempotency key keeps the retry safe for 24 hours, longer than the queue's retries).
 * - Stripe's business refusals (already refunded, amount too large, disputed, no such payment
 *   intent, an idempotency key reused with other parameters) are not retryable: the worker ends
 *   the refund REFUSED for staff, with Stripe's code.
 * - The payment intent is read first: one in another currency than the refund is refused
 *   before anything is paid (Stripe refunds in the intent's currency, whatever we think it is).
 * - A 401 (the key rotated) re-reads the key once and tries again.
 *
 * The key comes from `apiKey()` (Secrets Manager with a cache and TTL in AWS, the dev key
 * locally); it is never logged. `host`/`port`/`protocol` point the SDK at the local stand-in.
 */

/** Stripe error codes that are a "no" about this refund, not a failure to answer. */
const REFUSALS = new Set([
  'charge_already_refunded',
  'amount_too_large',
  'charge_disputed',
  'resource_missing',
  'parameter_invalid_integer',
]);

export type StripePaymentProviderOptions = {
  /** The secret key, read through a cache; `fresh: true` after a 401 skips the cache. */
  readonly apiKey: (options?: { fresh?: boolean }) => Promise<string>;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  /** @default 5000 */
  readonly timeoutMs?: number;
};

export class StripePaymentProvider implements PaymentProvider, ProviderRefundLedger {
  readonly provider = 'stripe' as const;
  readonly #options: StripePaymentProviderOptions;
  #client: { key: string; stripe: Stripe } | undefined;

  constructor(options: StripePaymentProviderOptions) {
    this.#options = options;
  }

  #stripe(key: string): Stripe {
    if (this.#client?.key !== key) {
      const { host, port, protocol } = this.#options;
      const stripe = new Stripe(key, {
        maxNetworkRetries: 0,
        timeout: this.#options.timeoutMs ?? 5000,
        telemetry: false,
        ...(host === undefined ? {} : { host }),
        ...(port === undefined ? {} : { port }),
        ...(protocol === undefined ? {} : { protocol }),
      });
      this.#client = { key, stripe };
    }
    return this.#client.stripe;
  }

  async refund(request: RefundRequest): Promise<RefundReceipt> {
    const payment = request.payment;
    if (payment === undefined || payment.provider !== 'stripe') {
      throw new PaymentProviderError(`Case ${request.caseId} names no Stripe payment to refund`, false, {
        providerCode: 'NO_STRIPE_PAYMENT',
      });
    }
    try {
      return await this.#create(request, payment.reference, await this.#options.apiKey());
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeAuthenticationError)) throw error;
      // A rotated key: read it again, past the cache, and try once more.
      return this.#create(request, payment.reference, await this.#options.apiKey({ fresh: true }));
    }
  }

  async #create(request: RefundRequest, paymentIntent: string, key: string): Promise<RefundReceipt> {
    const stripe = this.#stripe(key);
    try {
      const intent = await stripe.paymentIntents.retrieve(paymentIntent);
      if (intent.currency.toUpperCase() !== request.currency) {
        throw new PaymentProviderError(
          `Stripe payment ${paymentIntent} is in ${intent.currency.toUpperCase()}, the refund in ${request.currency}: nothing was paid`,
          false,
          { providerCode: 'CURRENCY_MISMATCH' },
        );
      }
      const refund = await stripe.refunds.create(
        {
          payment_intent: paymentIntent,
          amount: request.amount,
          metadata: { caseId: request.caseId, refundId: request.idempotencyKey },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      return { providerReference: refund.id, replayed: refund.lastResponse.headers['idempotent-replayed'] === 'true' };
    } catch (error) {
      if (error instanceof PaymentProviderError || error instanceof Stripe.errors.StripeAuthenticationError) throw error;
      if (error instanceof Stripe.errors.StripeIdempotencyError) {
        throw new PaymentProviderError(`Stripe refused refund ${request.idempotencyKey}: ${error.message}`, false, {
          cause: error,
          providerCode: 'idempotency_error',
        });
      }
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code !== undefined && REFUSALS.has(error.code)) {
        throw new PaymentProviderError(`Stripe refused refund ${request.idempotencyKey}: ${error.message}`, false, {
          cause: error,
          providerCode: error.code,
        });
      }
      if (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 500) < 500 && error.statusCode !== 429) {
        throw new PaymentProviderError(`Stripe refused refund ${request.idempotencyKey} (${error.statusCode})`, false, {
          cause: error,
          ...(error.code === undefined ? {} : { providerCode: error.code }),
        });
      }
      // No answer or a failure on Stripe's side: did the refund happen anyway?
      const found = await this.#find(stripe, paymentIntent, request.idempotencyKey).catch(() => undefined);
      if (found !== undefined) return { providerReference: found.id, replayed: true };
      throw new PaymentProviderError(`Stripe did not answer for refund ${request.idempotencyKey}: ${(error as Error).name}`, true, {
        cause: error,
      });
    }
  }

  /** Every refund Stripe made in [from, to) (its `created` time, in seconds), with our metadata. */
  async listRefunds(from: string, to: string): Promise<ProviderRefund[]> {
    const stripe = this.#stripe(await this.#options.apiKey());
    const found: ProviderRefund[] = [];
    const created = { gte: Math.floor(Date.parse(from) / 1000), lt: Math.ceil(Date.parse(to) / 1000) };
    for await (const refund of stripe.refunds.list({ created, limit: 100 })) {
      found.push({
        reference: refund.id,
        ...(refund.metadata?.refundId === undefined ? {} : { refundId: refund.metadata.refundId }),
        ...(refund.metadata?.caseId === undefined ? {} : { caseId: refund.metadata.caseId }),
        amount: refund.amount,
        currency: refund.currency.toUpperCase(),
        at: new Date(refund.created * 1000).toISOString(),
      });
    }
    return found;
  }

  /** The refund this system made for `refundId` on the payment intent, by its metadata. */
  async #find(stripe: Stripe, paymentIntent: string, refundId: string): Promise<Stripe.Refund | undefined> {
    for await (const refund of stripe.refunds.list({ payment_intent: paymentIntent, limit: 100 })) {
      if (refund.metadata?.refundId === refundId) return refund;
    }
    return undefined;
  }
}
