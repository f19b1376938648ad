import { httpHandler } from '#lib/http/http-handler.ts';
import { approveDecisionRoute } from '#lib/http/routes/approve-decision.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

/** POST /cases/{id}/approve (JWT, If-Match): act on the recommended remedy, within authority. */
export const handler = httpHandler(
  approveDecisionRoute({ store: caseStore(), policies: policies(), refunds: refundQueue(), clock: systemClock }),
);
