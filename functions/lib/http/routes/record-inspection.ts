import { type RecordInspectionDeps, recordInspection } from '../../use-cases/record-inspection.ts';
import { InspectionBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/inspection` (If-Match): the inspection of what came back (#15). */
export function recordInspectionRoute(deps: RecordInspectionDeps) {
  return staffRoute('cases:record-inspection', async function recordInspectionRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, InspectionBodySchema);
    const result = await recordInspection(deps, {
      principal,
      caseId,
      expectedVersion,
      ...{ outcome: body.outcome, conditionGrade: body.conditionGrade, foundSkuOrSerial: body.foundSkuOrSerial },
    });
    return staffWriteResult('inspection', principal, result);
  });
}
