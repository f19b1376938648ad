import * as z from 'zod/mini';
import { HttpPaymentProvider } from '../adapters/http-payment-provider.ts';
import { loadConfig } from '../config.ts';
import type { PaymentProvider } from '../ports/payment-provider.ts';
import { once } from './once.ts';

/** The payment provider's refund API (PAYMENT_PROVIDER_URL, PAYMENT_PROVIDER_TIMEOUT_MS). */
export const paymentProvider: () => PaymentProvider = once(function buildPaymentProvider() {
  const config = loadConfig(
    z.object({
      PAYMENT_PROVIDER_URL: z.url(),
      PAYMENT_PROVIDER_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(100), z.lte(60_000)), 5000),
    }),
  );
  return new HttpPaymentProvider({ baseUrl: config.PAYMENT_PROVIDER_URL, timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS });
});
