import { httpHandler } from '#lib/http/http-handler.ts';
import { approveDecisionRoute } from '#lib/http/routes/approve-decision.ts';
import { approveDecisionDeps } from '#lib/wiring.ts';

/** POST /cases/{id}/approve (JWT, If-Match): act on the recommended remedy, within authority. */
export const handler = httpHandler(approveDecisionRoute(approveDecisionDeps()));
