import { type GetCaseDeps, getCase } from '../../use-cases/get-case.ts';
import { etagOf, readableTrace, toCaseView } from '../case-views.ts';
import { caseIdOf, staffRoute } from '../staff-request.ts';

/**
 * `GET /cases/{id}`: one of the caller's cases: facts, current decision (allocation,
 * confidence, remedy, the rules that fired), refund, ledger and its newest history (the rest:
 * GET /cases/{id}/history, from olderHistoryCursor). The ETag is
 * the case version, for If-Match on writes; `yourAuthority` is the caller's refund limit in
 * the case's currency. Another seller's case is 404.
 */
export function getCaseRoute(deps: GetCaseDeps) {
  return staffRoute('cases:read', async function getCaseRoute(event, principal) {
    const found = await getCase(deps, { principal, caseId: caseIdOf(event) });
    return {
      statusCode: 200,
      headers: { etag: etagOf(found.case.version) },
      body: {
        case: toCaseView(found.case),
        readableTrace: readableTrace(found.case.decision),
        history: found.history,
        olderHistoryCursor: found.olderHistoryCursor,
        yourAuthority: found.authority,
      },
    };
  });
}
