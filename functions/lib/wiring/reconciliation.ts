import * as z from 'zod/mini';
import { DynamoDbPaidRefunds } from '../adapters/dynamodb-paid-refunds.ts';
import { loadConfig } from '../config.ts';
import type { PaidRefunds, ProviderRefundLedger } from '../ports/refund-records.ts';
import { dynamoDbTable } from './dynamodb.ts';
import { once } from './once.ts';
import { stripeProvider } from './payment-provider.ts';

/** RECONCILE_LOOKBACK_HOURS: how far back each run looks (two schedule periods, so a missed run is covered). */
export const reconciliationSettings = once(function buildReconciliationSettings() {
  return loadConfig(z.object({ RECONCILE_LOOKBACK_HOURS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(24 * 31)), 24) }));
});

/** The case store's paid refunds (the sparse byRefundPaid index). */
export const paidRefunds: () => PaidRefunds = once(function buildPaidRefunds() {
  const { client, tableName } = dynamoDbTable();
  return new DynamoDbPaidRefunds(client, tableName);
});

/** The providers whose own refunds can be listed: Stripe, when its key is configured. */
export const refundLedgers: () => readonly ProviderRefundLedger[] = once(function buildRefundLedgers() {
  const stripe = stripeProvider();
  return stripe === undefined ? [] : [{ provider: 'stripe', listRefunds: async (from, to) => (await stripe()).listRefunds(from, to) }];
});
