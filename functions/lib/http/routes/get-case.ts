import { CASE_ID_PATTERN } from '../../domain/case.ts';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { CaseStore } from '../../ports/case-store.ts';
import type { HttpRoute } from '../http-handler.ts';

/**
 * `GET /cases/{id}`, unauthenticated. TEMPORARY, local inspection only: it is not deployed
 * by the CDK stack and is replaced by the authenticated seller API.
 */
export function getCaseRoute(deps: { store: CaseStore }): HttpRoute {
  return async function getCaseRoute(event) {
    const caseId = event.pathParameters?.id ?? '';
    if (!CASE_ID_PATTERN.test(caseId)) {
      throw new ValidationError('Invalid case id', [{ field: 'id', problem: 'must look like cs_ followed by 24 hex digits' }]);
    }
    const found = await deps.store.getCase(caseId);
    if (found === undefined) throw new NotFoundError(`Case ${caseId} not found`);
    const history = await deps.store.getHistory(caseId);
    return { statusCode: 200, body: { case: found, history } };
  };
}
