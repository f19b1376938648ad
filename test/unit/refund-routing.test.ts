import { describe, expect, it } from 'vitest';
import { CachedSecret } from '#lib/adapters/cached-secret.ts';
import { RefundRoutesSchema, RoutedPaymentProvider, routeFor } from '#lib/adapters/routed-payment-provider.ts';
import type { PaymentProvider, RefundRequest } from '#lib/ports/payment-provider.ts';

const routes = RefundRoutesSchema.parse({
  default: 'http',
  marketplaces: { shopify: 'shopify' },
  sellers: { 'seller-acme': 'stripe' },
});

const request = (marketplace: string, sellerId: string): RefundRequest => ({
  idempotencyKey: 'rf_1',
  caseId: 'cs_1',
  marketplace,
  sellerId,
  amount: 100,
  currency: 'EUR',
});

function recording(name: string, calls: string[]): () => PaymentProvider {
  return () => ({
    refund: async (r) => {
      calls.push(`${name}:${r.sellerId}`);
      return { providerReference: `${name}-ref`, replayed: false };
    },
  });
}

describe('refund routing (#16)', () => {
  it('a seller’s route wins over its marketplace’s, which wins over the default', () => {
    expect(routeFor(routes, request('shopify', 'seller-acme'))).toBe('stripe');
    expect(routeFor(routes, request('shopify', 'seller-b'))).toBe('shopify');
    expect(routeFor(routes, request('demo-market', 'seller-b'))).toBe('http');
  });

  it('sends each refund to its provider, building only the providers used', async () => {
    const calls: string[] = [];
    let built = 0;
    const provider = new RoutedPaymentProvider(routes, {
      http: recording('http', calls),
      stripe: () => {
        built += 1;
        return recording('stripe', calls)();
      },
      shopify: recording('shopify', calls),
    });
    expect(built).toBe(0);
    await provider.refund(request('demo-market', 'seller-b'));
    await provider.refund(request('demo-market', 'seller-acme'));
    expect(calls).toEqual(['http:seller-b', 'stripe:seller-acme']);
    expect(built).toBe(1);
  });

  it('refuses at construction (cold start) a route to a provider that is not configured, naming it', () => {
    expect(() => new RoutedPaymentProvider(routes, { http: recording('http', []) })).toThrow(
      /names the (stripe|shopify) provider, which is not configured/,
    );
  });

  it('refuses routes that name an unknown provider or lack a default', () => {
    expect(RefundRoutesSchema.safeParse({ default: 'paypal' }).success).toBe(false);
    expect(RefundRoutesSchema.safeParse({ marketplaces: { m: 'http' } }).success).toBe(false);
    expect(RefundRoutesSchema.safeParse({ default: 'http', extra: 1 }).success).toBe(false);
  });
});

describe('credentials read through a cache with a TTL', () => {
  it('reads once per TTL, again when asked fresh (a rotation), and never caches a failed read', async () => {
    let now = 0;
    let value = 'key-1';
    let reads = 0;
    let fail = false;
    const secret = new CachedSecret(
      async () => {
        reads += 1;
        if (fail) throw new Error('secrets manager down');
        return value;
      },
      { ttlMs: 1_000, clock: { now: () => new Date(now) } },
    );
    expect(await secret.get()).toBe('key-1');
    value = 'key-2';
    expect(await secret.get()).toBe('key-1');
    expect(reads).toBe(1);
    expect(await secret.get({ fresh: true })).toBe('key-2');
    now = 5_000;
    fail = true;
    await expect(secret.get()).rejects.toThrow(/down/);
    fail = false;
    expect(await secret.get()).toBe('key-2');
    expect(reads).toBe(4);
  });
});
