import { type OverrideDecisionDeps, overrideDecision } from '../../use-cases/override-decision.ts';
import { OverrideBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/override` (If-Match): another remedy, for a reason; supervisors and managers. */
export function overrideDecisionRoute(deps: OverrideDecisionDeps) {
  return staffRoute('cases:override', async function overrideDecisionRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, OverrideBodySchema);
    const result = await overrideDecision(deps, { principal, caseId, expectedVersion, ...body });
    return staffWriteResult('override', principal, result);
  });
}
