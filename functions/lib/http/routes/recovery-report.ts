import { logger } from '../../observability.ts';
import { type RecoveryReportDeps, recoveryReport } from '../../use-cases/recovery-report.ts';
import { recoveryCsv } from '../../workflow/recovery.ts';
import { RecoveryReportQuerySchema } from '../seller-api-schemas.ts';
import { queryOf, staffRoute } from '../staff-request.ts';

/** `GET /reports/recovery?from=&to=&format=json|csv`: who paid in the end, for the caller's seller (#19). */
export function recoveryReportRoute(deps: RecoveryReportDeps) {
  return staffRoute('cases:report', async function recoveryReportRoute(event, principal) {
    const query = queryOf(event, RecoveryReportQuerySchema);
    const report = await recoveryReport(deps, { principal, from: query.from, to: query.to });
    logger.info('recovery report', {
      sellerId: principal.sellerId,
      userId: principal.userId,
      rows: report.rows.length,
      complete: report.complete,
    });
    if (query.format === 'csv') {
      return {
        statusCode: 200,
        text: recoveryCsv(report.rows),
        headers: { 'content-type': 'text/csv; charset=utf-8', 'x-report-complete': String(report.complete) },
      };
    }
    return { statusCode: 200, body: report };
  });
}
