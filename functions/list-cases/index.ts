import { httpHandler } from '#lib/http/http-handler.ts';
import { listCasesRoute } from '#lib/http/routes/list-cases.ts';
import { listCasesDeps } from '#lib/wiring.ts';

/** GET /cases (JWT): the caller's cases, soonest deadline first, cursor-paginated. */
export const handler = httpHandler(listCasesRoute(await listCasesDeps()));
