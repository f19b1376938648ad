import { httpHandler } from '#lib/http/http-handler.ts';
import { overrideDecisionRoute } from '#lib/http/routes/override-decision.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

/** POST /cases/{id}/override (JWT, If-Match): another remedy, for a reason. */
export const handler = httpHandler(
  overrideDecisionRoute({ store: caseStore(), policies: policies(), refunds: refundQueue(), clock: systemClock }),
);
