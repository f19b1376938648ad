import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PaymentProviderError } from '#lib/contract/errors.ts';
import { ShopifyPaymentProvider } from '../../functions/lib/adapters/shopify-admin-payment-provider.ts';
import { type ShopifyAdminStandin, shopifyStandinFetch, startShopifyAdminStandin } from '../../local/shopify-admin-standin.ts';

const SHOP = 'dev-shop.myshopify.com';
const TOKEN = 'shpat_test_token';
const ORDER = 'gid://shopify/Order/820982911946154508';

let standin: ShopifyAdminStandin;
let token = TOKEN;

function provider(): ShopifyPaymentProvider {
  return new ShopifyPaymentProvider({
    timeoutMs: 1_000,
    locate: async () => ({ shopDomain: SHOP, orderId: ORDER }),
    accessToken: async () => token,
    customFetchApi: shopifyStandinFetch(standin.url),
  });
}
const request = (key: string, amount = 4900) => ({
  idempotencyKey: key,
  caseId: 'case-1',
  marketplace: 'shopify',
  sellerId: 'seller-1',
  amount,
  currency: 'EUR',
});

beforeAll(async () => {
  standin = await startShopifyAdminStandin({ accessTokens: { [SHOP]: TOKEN } });
});
afterAll(async () => {
  await standin.stop();
});
beforeEach(() => {
  standin.reset();
  token = TOKEN;
});

describe('ShopifyPaymentProvider through @shopify/admin-api-client against the stand-in', () => {
  it('refunds the amount to the order original transaction, note carrying the key', async () => {
    const receipt = await provider().refund(request('refund-a'));
    expect(receipt.replayed).toBe(false);
    const refunds = standin.refunds();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ id: receipt.providerReference, orderId: ORDER, amount: '49.00', note: 'dispute-desk:refund-a' });
  });

  it('a replay with the same key pays nothing new and returns the first reference', async () => {
    const first = await provider().refund(request('refund-b'));
    const second = await provider().refund(request('refund-b'));
    expect(second).toEqual({ providerReference: first.providerReference, replayed: true });
    expect(standin.refunds()).toHaveLength(1);
  });

  it('a lost answer (refunded, then 500) is settled on retry by reading, not by paying again', async () => {
    standin.setFaults({ chargeThenFailNext: 1 });
    const lost = await provider()
      .refund(request('refund-c'))
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(PaymentProviderError);
    expect((lost as PaymentProviderError).retryable).toBe(true);
    expect(standin.refunds()).toHaveLength(1);
    const retry = await provider().refund(request('refund-c'));
    expect(retry.replayed).toBe(true);
    expect(retry.providerReference).toBe(standin.refunds()[0]?.id);
    expect(standin.refunds()).toHaveLength(1);
  });

  it('a 503 before paying is retryable and the retry pays once', async () => {
    standin.setFaults({ failNext: 1 });
    await expect(provider().refund(request('refund-d'))).rejects.toMatchObject({ retryable: true });
    expect(standin.refunds()).toHaveLength(0);
    await provider().refund(request('refund-d'));
    expect(standin.refunds()).toHaveLength(1);
  });

  it('partial refunds sum to at most the captured amount; Shopify refusal is not retryable', async () => {
    await provider().refund(request('refund-e1', 5000));
    const refused = await provider()
      .refund(request('refund-e2', 2100))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PaymentProviderError);
    expect((refused as PaymentProviderError).retryable).toBe(false);
    expect((refused as Error).message).toMatch(/refundable amount/);
    await provider().refund(request('refund-e3', 2090));
    expect(standin.refunds().map((r) => r.amount)).toEqual(['50.00', '20.90']);
  });

  it('a held call (time-out) is retryable and the retry pays once', async () => {
    standin.setFaults({ timeoutNext: 1 });
    await expect(provider().refund(request('refund-g'))).rejects.toMatchObject({ retryable: true });
    expect(standin.refunds()).toHaveLength(0);
    await provider().refund(request('refund-g'));
    expect(standin.refunds()).toHaveLength(1);
  });

  it('a wrong access token is refused (401), not retryable, and pays nothing', async () => {
    token = 'shpat_rotated_away';
    await expect(provider().refund(request('refund-f'))).rejects.toMatchObject({ retryable: false });
    expect(standin.refunds()).toHaveLength(0);
  });
});
