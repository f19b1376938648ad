import { httpHandler } from '#lib/http/http-handler.ts';
import { getCaseRoute } from '#lib/http/routes/get-case.ts';
import { caseStore } from '#lib/wiring/case-store.ts';

/** GET /cases/{id} (JWT): one of the caller's cases with decision, ledger and history. */
export const handler = httpHandler(getCaseRoute({ store: caseStore() }));
