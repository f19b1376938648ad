import { httpHandler } from '#lib/http/http-handler.ts';
import { recordClaimFilingRoute } from '#lib/http/routes/record-claim-filing.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';

/** POST /cases/{id}/carrier-claim/filing (JWT, If-Match): the carrier claim was filed (#19). */
export const handler = httpHandler(recordClaimFilingRoute({ store: caseStore(), policies: policies(), clock: systemClock }));
