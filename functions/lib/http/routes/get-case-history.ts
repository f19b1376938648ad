import { type GetCaseDeps, getCaseHistory, HISTORY_PAGE } from '../../use-cases/get-case.ts';
import { CaseHistoryQuerySchema } from '../seller-api-schemas.ts';
import { caseIdOf, queryOf, staffRoute } from '../staff-request.ts';

/**
 * `GET /cases/{id}/history`: one page of one of the caller's cases' history, newest page
 * first, for the events GET /cases/{id} leaves out. Another seller's case is 404.
 */
export function getCaseHistoryRoute(deps: Pick<GetCaseDeps, 'store'>) {
  return staffRoute('cases:read', async function getCaseHistoryRoute(event, principal) {
    const query = queryOf(event, CaseHistoryQuerySchema);
    const page = await getCaseHistory(deps, {
      principal,
      caseId: caseIdOf(event),
      cursor: query.cursor,
      limit: query.limit ?? HISTORY_PAGE.defaultLimit,
    });
    return { statusCode: 200, body: { events: page.events, nextCursor: page.nextCursor } };
  });
}
