import { httpHandler } from '#lib/http/http-handler.ts';
import { recordReturnReceiptRoute } from '#lib/http/routes/record-return-receipt.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

/** POST /cases/{id}/return-receipt (JWT, If-Match): the receipt of the returned goods. */
export const handler = httpHandler(
  recordReturnReceiptRoute({ store: caseStore(), policies: policies(), refunds: refundQueue(), clock: systemClock }),
);
