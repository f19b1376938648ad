import { type RecordReturnReceiptDeps, recordReturnReceipt } from '../../use-cases/record-return-receipt.ts';
import { ReturnReceiptBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/return-receipt` (If-Match): the receipt of the returned goods (#15). */
export function recordReturnReceiptRoute(deps: RecordReturnReceiptDeps) {
  return staffRoute('cases:record-return-receipt', async function recordReturnReceiptRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, ReturnReceiptBodySchema, { emptyAllowed: true });
    const result = await recordReturnReceipt(deps, { principal, caseId, expectedVersion, ...{ receivedAt: body.receivedAt } });
    return staffWriteResult('return-receipt', principal, result);
  });
}
