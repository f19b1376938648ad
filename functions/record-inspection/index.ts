import { httpHandler } from '#lib/http/http-handler.ts';
import { recordInspectionRoute } from '#lib/http/routes/record-inspection.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

/** POST /cases/{id}/inspection (JWT, If-Match): the inspection of what came back. */
export const handler = httpHandler(
  recordInspectionRoute({ store: caseStore(), policies: policies(), refunds: refundQueue(), clock: systemClock }),
);
