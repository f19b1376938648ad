import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import { PaymentProviderError } from '../contract/errors.ts';
import type { PaymentProvider, RefundReceipt, RefundRequest } from '../ports/payment-provider.ts';

const ReceiptSchema = /* @__PURE__ */ (() => z.object({ reference: z.string().check(z.minLength(1)) }))();

export type HttpPaymentProviderOptions = {
  readonly baseUrl: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
};

/**
 * Refunds through a payment provider's HTTP API (`POST /refunds` with an Idempotency-Key
 * header, the convention Stripe and Adyen share). A timeout or a 5xx is retryable: the key
 * makes the retry safe. A 4xx is not: the request itself is wrong.
 */
export class HttpPaymentProvider implements PaymentProvider {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: HttpPaymentProviderOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/$/, '');
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch ?? fetch;
  }

  async refund(request: RefundRequest): Promise<RefundReceipt> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}/refunds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey },
        body: JSON.stringify({ caseId: request.caseId, amount: request.amount, currency: request.currency }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new PaymentProviderError(`Payment provider did not answer: ${(error as Error).name}`, true, { cause: error });
    }
    if (response.status >= 500 || response.status === 429) {
      throw new PaymentProviderError(`Payment provider answered ${response.status}`, true);
    }
    if (!response.ok) {
      throw new PaymentProviderError(`Payment provider refused the refund with ${response.status}`, false);
    }
    const parsed = ReceiptSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new PaymentProviderError('Payment provider answered without a reference', true);
    }
    return { providerReference: parsed.data.reference, replayed: response.headers.get('idempotent-replayed') === 'true' };
  }
}
