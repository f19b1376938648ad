import { httpHandler } from '#lib/http/http-handler.ts';
import { overrideDecisionRoute } from '#lib/http/routes/override-decision.ts';
import { overrideDecisionDeps } from '#lib/wiring.ts';

/** POST /cases/{id}/override (JWT, If-Match): another remedy, for a reason. */
export const handler = httpHandler(overrideDecisionRoute(overrideDecisionDeps()));
