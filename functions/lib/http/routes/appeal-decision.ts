import { type AppealDecisionDeps, appealDecision } from '../../use-cases/appeal-decision.ts';
import { OverrideBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/appeal` (If-Match): the one appeal, decided by a role above the deciding one (#19). */
export function appealDecisionRoute(deps: AppealDecisionDeps) {
  return staffRoute('cases:appeal', async function appealDecisionRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, OverrideBodySchema);
    const result = await appealDecision(deps, { principal, caseId, expectedVersion, ...body });
    return staffWriteResult('appeal', principal, result);
  });
}
