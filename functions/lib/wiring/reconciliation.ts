import * as z from 'zod/mini';
import { DynamoDbPaidRefunds } from '../adapters/dynamodb-paid-refunds.ts';
import { loadConfig } from '../config.ts';
import type { PaidRefunds, ProviderRefundLedger } from '../ports/refund-records.ts';
import { dynamoDbTable } from './dynamodb.ts';
import { once } from './once.ts';
import { ShopifyShopsSchema } from '../marketplaces/shopify/settings.ts';
import { stripeProvider } from './payment-provider.ts';
import { shopifyAdmin } from './shopify-admin.ts';

/** RECONCILE_LOOKBACK_HOURS: how far back each run looks (two schedule periods, so a missed run is covered). */
export const reconciliationSettings = once(function buildReconciliationSettings() {
  return loadConfig(z.object({ RECONCILE_LOOKBACK_HOURS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(24 * 31)), 24) }));
});

/** The case store's paid refunds (the sparse byRefundPaid index). */
export const paidRefunds: () => PaidRefunds = once(function buildPaidRefunds() {
  const { client, tableName } = dynamoDbTable();
  return new DynamoDbPaidRefunds(client, tableName);
});

/**
 * The providers whose own refunds can be listed: Stripe, when its key is configured; Shopify,
 * when its shops (SHOPIFY_SHOPS) and Admin API tokens are. The generic HTTP provider cannot be
 * listed (its contract has no such endpoint).
 */
export const refundLedgers: () => readonly ProviderRefundLedger[] = once(function buildRefundLedgers() {
  const ledgers: ProviderRefundLedger[] = [];
  const stripe = stripeProvider();
  if (stripe !== undefined) ledgers.push({ provider: 'stripe', listRefunds: async (from, to) => (await stripe()).listRefunds(from, to) });
  const admin = shopifyAdmin();
  const { SHOPIFY_SHOPS: shops } = loadConfig(z.object({ SHOPIFY_SHOPS: z.optional(ShopifyShopsSchema) }));
  if (admin !== undefined && shops !== undefined && Object.keys(shops).length > 0) {
    // The Admin API client is loaded on the first run, not at cold start.
    const ledger = once(async () => {
      const { ShopifyRefundLedger } = await import('../adapters/shopify-admin-payment-provider.ts');
      return new ShopifyRefundLedger({
        shops: Object.keys(shops),
        accessToken: admin.accessToken,
        ...(admin.customFetchApi === undefined ? {} : { customFetchApi: admin.customFetchApi }),
      });
    });
    ledgers.push({ provider: 'shopify', listRefunds: async (from, to) => (await ledger()).listRefunds(from, to) });
  }
  return ledgers;
});
