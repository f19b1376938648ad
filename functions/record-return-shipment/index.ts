import { httpHandler } from '#lib/http/http-handler.ts';
import { recordReturnShipmentRoute } from '#lib/http/routes/record-return-shipment.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

/** POST /cases/{id}/return-shipment (JWT, If-Match): the return parcel (carrier, tracking, scans). */
export const handler = httpHandler(
  recordReturnShipmentRoute({ store: caseStore(), policies: policies(), refunds: refundQueue(), clock: systemClock }),
);
