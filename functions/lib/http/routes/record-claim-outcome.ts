import { type RecordClaimOutcomeDeps, recordClaimOutcome } from '../../use-cases/record-claim-outcome.ts';
import { ClaimOutcomeBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/carrier-claim/outcome` (If-Match): the carrier paid or denied the claim (#19). */
export function recordClaimOutcomeRoute(deps: RecordClaimOutcomeDeps) {
  return staffRoute('cases:record-claim-outcome', async function recordClaimOutcomeRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, ClaimOutcomeBodySchema);
    const result = await recordClaimOutcome(deps, {
      principal,
      caseId,
      expectedVersion,
      outcome: body.outcome,
      recoveredAmount: body.recoveredAmount,
      reason: body.reason,
    });
    return staffWriteResult('claim-outcome', principal, result);
  });
}
