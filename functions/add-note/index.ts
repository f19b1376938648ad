import { httpHandler } from '#lib/http/http-handler.ts';
import { addNoteRoute } from '#lib/http/routes/add-note.ts';
import { addNoteDeps } from '#lib/wiring.ts';

/** POST /cases/{id}/notes (JWT, If-Match): a note in the case history. */
export const handler = httpHandler(addNoteRoute(addNoteDeps()));
