import { type RecordClaimFilingDeps, recordClaimFiling } from '../../use-cases/record-claim-filing.ts';
import { ClaimFilingBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/carrier-claim/filing` (If-Match): the carrier claim was filed (#19). */
export function recordClaimFilingRoute(deps: RecordClaimFilingDeps) {
  return staffRoute('cases:record-claim-filing', async function recordClaimFilingRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, ClaimFilingBodySchema);
    const result = await recordClaimFiling(deps, {
      principal,
      caseId,
      expectedVersion,
      claimReference: body.claimReference,
      filedAt: body.filedAt,
    });
    return staffWriteResult('claim-filing', principal, result);
  });
}
