import { type RecordReturnShipmentDeps, recordReturnShipment } from '../../use-cases/record-return-shipment.ts';
import { ReturnShipmentBodySchema } from '../seller-api-schemas.ts';
import { caseIdOf, expectedVersionOf, jsonBodyOf, staffRoute } from '../staff-request.ts';
import { staffWriteResult } from './staff-write-result.ts';

/** `POST /cases/{id}/return-shipment` (If-Match): the return parcel (carrier, tracking, scans) (#15). */
export function recordReturnShipmentRoute(deps: RecordReturnShipmentDeps) {
  return staffRoute('cases:record-return-shipment', async function recordReturnShipmentRoute(event, principal) {
    const caseId = caseIdOf(event);
    const expectedVersion = expectedVersionOf(event);
    const body = jsonBodyOf(event, ReturnShipmentBodySchema);
    const result = await recordReturnShipment(deps, {
      principal,
      caseId,
      expectedVersion,
      ...{ carrier: body.carrier, trackingNumber: body.trackingNumber, scans: body.scans },
    });
    return staffWriteResult('return-shipment', principal, result);
  });
}
