import { type ApproveDecisionDeps, approveDecision } from '../../use-cases/approve-decision.ts';
import { ApproveBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/approve` (If-Match): act on the recommended remedy, within authority. */
export function approveDecisionRoute(deps: ApproveDecisionDeps) {
  return staffRoute('cases:approve', async function approveDecisionRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, ApproveBodySchema, { emptyAllowed: true });
    const result = await approveDecision(deps, { principal, caseId, expectedVersion, comment: body.comment });
    return staffWriteResult('approve', principal, result);
  });
}
