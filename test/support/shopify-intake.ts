import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { ShopifyAdminOrderReader } from '#lib/adapters/shopify-admin-order-reader.ts';
import { SqsRefundQueue } from '#lib/adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { StaticWebhookSecrets } from '#lib/adapters/static-webhook-secrets.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { marketplaceRegistry } from '#lib/marketplaces/index.ts';
import { systemClock } from '#lib/ports/clock.ts';
import {
  type ShopifyAdminStandin,
  type StandinOrder,
  seedOrders,
  shopifyStandinFetch,
  startShopifyAdminStandin,
} from '#local/shopify-admin-standin.ts';
import { createTestQueues, createTestTable, documentClient, sqsClient } from './engines.ts';
import { SHOPIFY, TEST_SHOP, TEST_SHOP_SELLER, TEST_SHOPIFY_SECRET } from './shopify-factory.ts';
import { lambdaContext } from './webhook-factory.ts';

/**
 * The real Shopify intake (the receive-webhook route through its HTTP handler) on DynamoDB Local
 * and fauxqs, with the Admin API read through the official client from the local stand-in: what
 * the enrichment (#16) and disposal (#15) tests share.
 */
export type ShopifyIntake = {
  readonly standin: ShopifyAdminStandin;
  readonly store: DynamoDbCaseStore;
  readonly tableName: string;
  invoke(event: APIGatewayProxyEventV2): Promise<{ status: number; body: any }>;
};

export async function startShopifyIntake(accessToken: string): Promise<ShopifyIntake> {
  const standin = await startShopifyAdminStandin({ accessTokens: { [TEST_SHOP]: accessToken } });
  const tableName = await createTestTable();
  const queues = await createTestQueues();
  const store = new DynamoDbCaseStore(documentClient(), tableName);
  const handler = httpHandler(
    receiveWebhookRoute({
      store,
      secrets: new StaticWebhookSecrets({ [SHOPIFY]: TEST_SHOPIFY_SECRET }),
      policies: new StaticPolicyProvider(),
      refunds: new SqsRefundQueue(sqsClient(), queues.refundQueueUrl),
      clock: systemClock,
      marketplaces: marketplaceRegistry({ SHOPIFY_SHOPS: { [TEST_SHOP]: TEST_SHOP_SELLER } }),
      backoff: async () => undefined,
      orders: new ShopifyAdminOrderReader({
        accessToken: async () => accessToken,
        customFetchApi: shopifyStandinFetch(standin.url),
        timeoutMs: 1_000,
      }),
    }),
  );
  return {
    standin,
    store,
    tableName,
    async invoke(event) {
      const res = (await handler(event, lambdaContext('receive-webhook'))) as { statusCode: number; body: string };
      return { status: res.statusCode, body: JSON.parse(res.body) };
    },
  };
}

/**
 * The stand-in's seeded order (EUR, a kettle at 49.00 and two mugs at 8.50, shipping 4.90, DHL
 * tracking) under an id a webhook body can carry (the seed's own id is past 2^53).
 */
export const TEST_ORDER = '5196695273621';
export const TEST_KETTLE_LINE = 'gid://shopify/LineItem/466157049';

/** Empties the stand-in and puts back the seeded order as TEST_ORDER, changed by `adjust` if given. */
export function resetWithTestOrder(standin: ShopifyAdminStandin, adjust: (order: StandinOrder) => StandinOrder = (o) => o): void {
  standin.reset();
  const [seed] = seedOrders();
  if (seed === undefined) throw new Error('the stand-in seeds an order');
  standin.orders.set(`gid://shopify/Order/${TEST_ORDER}`, adjust({ ...seed, id: `gid://shopify/Order/${TEST_ORDER}` }));
}
