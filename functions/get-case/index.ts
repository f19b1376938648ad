import { httpHandler } from '#lib/http/http-handler.ts';
import { getCaseRoute } from '#lib/http/routes/get-case.ts';
import { getCaseDeps } from '#lib/wiring.ts';

/** GET /cases/{id}: temporary unauthenticated read for local inspection only. */
export const handler = httpHandler(getCaseRoute(getCaseDeps()));
