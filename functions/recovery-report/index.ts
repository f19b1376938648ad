import { httpHandler } from '#lib/http/http-handler.ts';
import { recoveryReportRoute } from '#lib/http/routes/recovery-report.ts';
import { caseListing } from '#lib/wiring/case-listing.ts';
import { caseStore } from '#lib/wiring/case-store.ts';

/** GET /reports/recovery (JWT): who paid in the end, per case and per currency, for the caller's seller (#19). */
export const handler = httpHandler(recoveryReportRoute({ listing: caseListing(), store: caseStore() }));
