import { addNote as note } from '../workflow/staff-actions.ts';
import { runStaffCommand, type StaffCommandDeps, type StaffCommandInput, type StaffCommandResult } from './staff-case-command.ts';

export type AddNoteDeps = StaffCommandDeps;

/**
 * Appends a note to a case's history. The text may hold personal data: it is stored, never
 * logged. Steps: the staff command frame around addNote (NOTE_ADDED, status unchanged).
 */
export function addNote(deps: AddNoteDeps, input: StaffCommandInput & { text: string }): Promise<StaffCommandResult> {
  return runStaffCommand(deps, input, (current, ctx) => note(current, ctx, { text: input.text }));
}
