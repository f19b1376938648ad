import { httpHandler } from '#lib/http/http-handler.ts';
import { getCaseRoute } from '#lib/http/routes/get-case.ts';
import { getCaseDeps } from '#lib/wiring.ts';

/** GET /cases/{id} (JWT): one of the caller's cases with decision, ledger and history. */
export const handler = httpHandler(getCaseRoute(getCaseDeps()));
