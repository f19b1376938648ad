import { httpHandler } from '#lib/http/http-handler.ts';
import { appealDecisionRoute } from '#lib/http/routes/appeal-decision.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

/** POST /cases/{id}/appeal (JWT, If-Match): the one appeal of a decided case (#19). */
export const handler = httpHandler(
  appealDecisionRoute({ store: caseStore(), policies: policies(), refunds: refundQueue(), clock: systemClock }),
);
