import { type AddNoteDeps, addNote } from '../../use-cases/add-note.ts';
import { NoteBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/notes` (If-Match): a note in the history; its text is never logged. */
export function addNoteRoute(deps: AddNoteDeps) {
  return staffRoute('cases:add-note', async function addNoteRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, NoteBodySchema);
    const result = await addNote(deps, { principal, caseId, expectedVersion, text: body.text });
    return staffWriteResult('add-note', principal, result);
  });
}
