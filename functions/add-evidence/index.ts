import { httpHandler } from '#lib/http/http-handler.ts';
import { addEvidenceRoute } from '#lib/http/routes/add-evidence.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';
import { refundQueue } from '#lib/wiring/refund-queue.ts';

/** POST /cases/{id}/evidence (JWT, If-Match): staff evidence, then the rule chain again. */
export const handler = httpHandler(
  addEvidenceRoute({ store: caseStore(), policies: policies(), refunds: refundQueue(), clock: systemClock }),
);
