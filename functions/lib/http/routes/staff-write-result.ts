import type { StaffPrincipal } from '../../contract/staff-claims.ts';
import { logger } from '../../observability.ts';
import type { StaffCommandResult } from '../../use-cases/staff-case-command.ts';
import { etagOf, toCaseView } from '../case-views.ts';
import type { HttpResult } from '../http-handler.ts';

/**
 * The answer to every staff write: the case as written, the events appended, the new ETag,
 * and the refund it made due. Logs ids, roles, actions and states only: notes, reasons and
 * evidence stay out of the logs.
 */
export function staffWriteResult(action: string, principal: StaffPrincipal, result: StaffCommandResult): HttpResult {
  logger.info('staff action recorded', {
    action,
    caseId: result.case.caseId,
    sellerId: principal.sellerId,
    userId: principal.userId,
    role: principal.role,
    status: result.case.status,
    version: result.case.version,
    events: result.events.map((e) => e.action),
    refundId: result.refund?.refundId,
    refundPublish: result.refund?.publish,
  });
  if (result.refund !== undefined && result.refund.publish !== 'PUBLISHED') {
    logger.warn('refund left in the outbox for the relay', {
      caseId: result.case.caseId,
      refundId: result.refund.refundId,
      outcome: result.refund.publish,
    });
  }
  return {
    statusCode: 200,
    headers: { etag: etagOf(result.case.version) },
    body: {
      case: toCaseView(result.case),
      events: result.events,
      ...(result.refund === undefined
        ? {}
        : { refund: { refundId: result.refund.refundId, queued: result.refund.publish !== 'PUBLISH_FAILED' } }),
    },
  };
}
