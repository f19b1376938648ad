import { type AddEvidenceDeps, addEvidence } from '../../use-cases/add-evidence.ts';
import { AddEvidenceBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/evidence` (If-Match): evidence as SELLER, then the rule chain again. */
export function addEvidenceRoute(deps: AddEvidenceDeps) {
  return staffRoute('cases:add-evidence', async function addEvidenceRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, AddEvidenceBodySchema);
    const result = await addEvidence(deps, { principal, caseId, expectedVersion, evidence: body.evidence });
    return staffWriteResult('add-evidence', principal, result);
  });
}
