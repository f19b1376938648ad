import type { Priority } from '../contract/priorities.ts';
import { createHash } from 'node:crypto';
import type { StaffPrincipal } from '../contract/staff-claims.ts';
import type { CaseStatus } from '../workflow/case.ts';
import { ValidationError } from '../contract/errors.ts';
import type { PageCursors } from '../contract/page-cursor.ts';
import type { ReasonCode } from '../contract/reason-codes.ts';
import type { CaseListing, CaseListingCounts, CaseListingFilter, CaseListingItem } from '../ports/case-listing.ts';
import type { Clock } from '../ports/clock.ts';

export type ListCasesDeps = { readonly listing: CaseListing; readonly cursors: PageCursors; readonly clock: Clock };

export type ListCasesInput = {
  readonly principal: StaffPrincipal;
  readonly statuses?: readonly CaseStatus[] | undefined;
  readonly reasons?: readonly ReasonCode[] | undefined;
  readonly priorities?: readonly Priority[] | undefined;
  /** Staff user ids; `me` is the caller, `none` matches cases nobody holds. */
  readonly assignees?: readonly string[] | undefined;
  /** Also count the matching cases (overdue, due within the hour): one more read of the seller's range. */
  readonly counts?: boolean | undefined;
  /** Any ISO timestamp; compared as an instant. */
  readonly dueBefore?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
};

export type ListCasesResult = {
  readonly items: CaseListingItem[];
  readonly nextCursor: string | null;
  readonly counts?: CaseListingCounts;
};

/** The assignee filter's words for the caller and for nobody. */
export const ASSIGNEE_ME = 'me';
export const ASSIGNEE_NONE = 'none';

/** Same filters, same string, whatever order the client listed values in. */
function canonicalFilter(filter: CaseListingFilter): string {
  const sorted = (list: readonly string[] | undefined) => (list === undefined ? [] : [...new Set(list)].sort());
  const canonical = JSON.stringify([
    sorted(filter.statuses),
    sorted(filter.reasons),
    sorted(filter.priorities),
    sorted(filter.assignees),
    filter.unassigned === true,
    filter.dueBeforeMs ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * Lists the caller's cases, soonest deadline first.
 *
 * Steps:
 * 1. The seller is the token's, never the request's.
 * 2. `dueBefore` becomes one instant (epoch ms), whatever offset it was written with; the
 *    filters become one canonical string.
 * 3. A cursor is opened only for the same seller and filters it was issued for (400 naming
 *    `cursor` otherwise) and yields the position to resume after.
 * 4. One page from the index; the next cursor seals the position of its last item.
 * 5. Asked for counts: the matching cases counted on the same filters (not the cursor), with
 *    deadlines judged now, in parallel with the page.
 */
export async function listCases(deps: ListCasesDeps, input: ListCasesInput): Promise<ListCasesResult> {
  const dueBeforeMs = input.dueBefore === undefined ? undefined : Date.parse(input.dueBefore);
  if (Number.isNaN(dueBeforeMs)) {
    throw new ValidationError('Query string is not valid', [
      { field: 'dueBefore', problem: 'must be an ISO 8601 timestamp with an offset' },
    ]);
  }
  const assignees = (input.assignees ?? []).filter((a) => a !== ASSIGNEE_NONE).map((a) => (a === ASSIGNEE_ME ? input.principal.userId : a));
  const filter: CaseListingFilter = {
    ...(input.statuses?.length ? { statuses: input.statuses } : {}),
    ...(input.reasons?.length ? { reasons: input.reasons } : {}),
    ...(input.priorities?.length ? { priorities: input.priorities } : {}),
    ...(assignees.length > 0 ? { assignees } : {}),
    ...(input.assignees?.includes(ASSIGNEE_NONE) ? { unassigned: true } : {}),
    ...(dueBeforeMs === undefined ? {} : { dueBeforeMs }),
  };
  const binding = { sellerId: input.principal.sellerId, filters: canonicalFilter(filter) };
  const after = input.cursor === undefined ? undefined : deps.cursors.open(binding, input.cursor);
  const [page, counts] = await Promise.all([
    deps.listing.listBySeller({
      sellerId: input.principal.sellerId,
      filter,
      limit: input.limit,
      ...(after === undefined ? {} : { after }),
    }),
    input.counts === true
      ? deps.listing.countBySeller({ sellerId: input.principal.sellerId, filter, now: deps.clock.now().toISOString() })
      : undefined,
  ]);
  return {
    items: page.items,
    nextCursor: page.next === undefined ? null : deps.cursors.seal(binding, page.next),
    ...(counts === undefined ? {} : { counts }),
  };
}
