import { type AssignCaseDeps, assignCase } from '../../use-cases/assign-case.ts';
import { AssignBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/assign` (If-Match): to a staff member of the same seller, or `null`. */
export function assignCaseRoute(deps: AssignCaseDeps) {
  return staffRoute('cases:assign', async function assignCaseRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, AssignBodySchema);
    const result = await assignCase(deps, { principal, caseId, expectedVersion, assignee: body.assignee });
    return staffWriteResult('assign', principal, result);
  });
}
