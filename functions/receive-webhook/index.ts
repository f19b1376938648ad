import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { marketplaces } from '#lib/wiring/marketplaces.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';
import { marketplaceOrders } from '#lib/wiring/shopify-admin.ts';
import { webhookSecrets } from '#lib/wiring/webhook-secrets.ts';

/** POST /webhooks/{marketplace}: signed marketplace deliveries become cases. */
export const handler = httpHandler(
  receiveWebhookRoute({
    marketplaces: marketplaces(),
    store: caseStore(),
    secrets: webhookSecrets(),
    policies: policies(),
    refunds: refundQueue(),
    clock: systemClock,
    ...(marketplaceOrders() === undefined ? {} : { orders: marketplaceOrders() }),
  }),
);
