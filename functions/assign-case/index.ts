import { httpHandler } from '#lib/http/http-handler.ts';
import { assignCaseRoute } from '#lib/http/routes/assign-case.ts';
import { assignCaseDeps } from '#lib/wiring.ts';

/** POST /cases/{id}/assign (JWT, If-Match): to a staff member of the same seller, or nobody. */
export const handler = httpHandler(assignCaseRoute(assignCaseDeps()));
