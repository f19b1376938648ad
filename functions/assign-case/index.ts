import { httpHandler } from '#lib/http/http-handler.ts';
import { assignCaseRoute } from '#lib/http/routes/assign-case.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';
import { staffDirectory } from '#lib/wiring/staff-directory.ts';

/** POST /cases/{id}/assign (JWT, If-Match): to a staff member of the same seller, or nobody. */
export const handler = httpHandler(
  assignCaseRoute({ store: caseStore(), policies: policies(), staff: staffDirectory(), clock: systemClock }),
);
