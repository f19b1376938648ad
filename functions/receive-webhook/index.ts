import { httpHandler } from '#lib/http/http-handler.ts';
import { receiveWebhookRoute } from '#lib/http/routes/receive-webhook.ts';
import { receiveWebhookDeps } from '#lib/wiring.ts';

/** POST /webhooks/{marketplace}: signed marketplace deliveries become cases. */
export const handler = httpHandler(receiveWebhookRoute(receiveWebhookDeps()));
