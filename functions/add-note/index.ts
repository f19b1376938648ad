import { httpHandler } from '#lib/http/http-handler.ts';
import { addNoteRoute } from '#lib/http/routes/add-note.ts';
import { systemClock } from '#lib/ports/clock.ts';
import { caseStore } from '#lib/wiring/case-store.ts';
import { policies } from '#lib/wiring/policies.ts';

/** POST /cases/{id}/notes (JWT, If-Match): a note in the case history. */
export const handler = httpHandler(addNoteRoute({ store: caseStore(), policies: policies(), clock: systemClock }));
