import { httpHandler } from '#lib/http/http-handler.ts';
import { getCaseRoute } from '#lib/http/routes/get-case.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';

/** GET /cases/{id} (JWT): one of the caller's cases with decision, ledger, history and the caller's authority. */
export const handler = httpHandler(getCaseRoute({ store: caseStore(), policies: policies() }));
