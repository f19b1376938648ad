import { logger } from '../../observability.ts';
import { type ListCasesDeps, listCases } from '../../use-cases/list-cases.ts';
import { toCaseSummary } from '../case-views.ts';
import { DEFAULT_PAGE_SIZE, ListCasesQuerySchema } from '../seller-api-schemas.ts';
import { queryOf, staffRoute } from '../staff-request.ts';

/** `GET /cases`: the caller's cases, soonest deadline first, one page at a time. */
export function listCasesRoute(deps: ListCasesDeps) {
  return staffRoute('cases:list', async function listCasesRoute(event, principal) {
    const query = queryOf(event, ListCasesQuerySchema);
    const page = await listCases(deps, {
      principal,
      statuses: query.status,
      reasons: query.reason,
      priorities: query.priority,
      assignees: query.assignee,
      counts: query.counts === 'true',
      dueBefore: query.dueBefore,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
    });
    logger.info('cases listed', {
      sellerId: principal.sellerId,
      userId: principal.userId,
      count: page.items.length,
      more: page.nextCursor !== null,
      ...(page.counts === undefined ? {} : { matching: page.counts.matching }),
    });
    return {
      statusCode: 200,
      body: {
        items: page.items.map(toCaseSummary),
        nextCursor: page.nextCursor,
        ...(page.counts === undefined ? {} : { counts: page.counts }),
      },
    };
  });
}
