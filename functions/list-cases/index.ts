import { httpHandler } from '#lib/http/http-handler.ts';
import { listCasesRoute } from '#lib/http/routes/list-cases.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseListing } from '#lib/wiring/case-listing.ts';
import { pageCursors } from '#lib/wiring/page-cursors.ts';

/** GET /cases (JWT): the caller's cases, soonest deadline first, cursor-paginated. */
export const handler = httpHandler(listCasesRoute({ cursors: await pageCursors(), listing: caseListing(), clock: systemClock }));
