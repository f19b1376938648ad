import { httpHandler } from '#lib/http/http-handler.ts';
import { recordClaimOutcomeRoute } from '#lib/http/routes/record-claim-outcome.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';

/** POST /cases/{id}/carrier-claim/outcome (JWT, If-Match): the carrier paid or denied the claim (#19). */
export const handler = httpHandler(recordClaimOutcomeRoute({ store: caseStore(), policies: policies(), clock: systemClock }));
