import { httpHandler } from '#lib/http/http-handler.ts';
import { getCaseHistoryRoute } from '#lib/http/routes/get-case-history.ts';
import { caseStore } from '#lib/wiring/case-store.ts';

/** GET /cases/{id}/history (JWT): one page of one of the caller's cases' history, newest page first. */
export const handler = httpHandler(getCaseHistoryRoute({ store: caseStore() }));
