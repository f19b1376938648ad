import type { StaffPrincipal } from '../contract/staff-claims.ts';
import type { CaseRecord, HistoryEvent } from '../workflow/case.ts';
import { refundLimitOf } from '../decision/authority.ts';
import { refusedCursor } from '../contract/page-cursor.ts';
import { type CaseStore, HISTORY_CURSOR_SCOPE } from '../ports/case-store.ts';
import type { PolicyProvider } from '../ports/policy-provider.ts';
import { loadOwnCase } from './staff-case-command.ts';

export type GetCaseDeps = { readonly store: CaseStore; readonly policies: PolicyProvider };

/** The caller's refund authority on this case: their role's limit in the case's currency. */
export type CallerAuthority = { readonly role: StaffPrincipal['role']; readonly refundLimit: number | null; readonly currency: string };

/**
 * How much history one answer carries. A case's history has no upper bound (every note, every
 * notification attempt is an event), while a Lambda response may not pass 6 MB: an answer holds
 * the newest events up to a count and about 1 MiB of them, and a cursor to the older ones.
 */
export const HISTORY_PAGE = { defaultLimit: 100, maxLimit: 200, maxBytes: 1_048_576 } as const;

/** Generous for a case id and a history position; refuses junk before it is decoded. */
export const MAX_HISTORY_CURSOR_LENGTH = 512;
const CURSOR_VERSION = 'h1';

/*
 * A history cursor names its case and the position to continue before. It is not signed: the
 * position is only ever read inside the case named in the path, after the caller was shown to
 * own it, so an edited cursor can reach nothing its holder could not read anyway. A cursor of
 * another case, or one that is not a cursor at all, is refused as a bad `cursor`.
 */
function historyCursorOf(caseId: string, position: string): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, c: caseId, p: position }), 'utf8').toString('base64url');
}

const badCursor = () => refusedCursor(HISTORY_CURSOR_SCOPE);

function positionIn(caseId: string, cursor: string): string {
  if (cursor.length > MAX_HISTORY_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { v, c, p } = (decoded ?? {}) as { v?: unknown; c?: unknown; p?: unknown };
  if (v !== CURSOR_VERSION || c !== caseId || typeof p !== 'string' || p === '') throw badCursor();
  return p;
}

export type CaseWithHistory = {
  readonly case: CaseRecord;
  /** The newest events (at most HISTORY_PAGE's worth), oldest first. */
  readonly history: HistoryEvent[];
  /** Where the older events start (GET /cases/{id}/history?cursor=…); null when `history` is all of it. */
  readonly olderHistoryCursor: string | null;
  readonly authority: CallerAuthority;
};

/**
 * One of the caller's cases with its latest history.
 *
 * Steps:
 * 1. Read the case; another seller's case is 404, exactly like a missing one.
 * 2. Read its newest history (same partition): one page, oldest first, with a cursor to the rest.
 * 3. The caller's refund limit in the case's currency, from the seller's policy, so a client
 *    can show it before an approval or override is refused for it.
 */
export async function getCase(deps: GetCaseDeps, input: { principal: StaffPrincipal; caseId: string }): Promise<CaseWithHistory> {
  const found = await loadOwnCase(deps.store, input.principal, input.caseId);
  const policy = deps.policies.policyFor(found.marketplace, found.sellerId);
  const currency = found.return.money.currency;
  const authority = { role: input.principal.role, refundLimit: refundLimitOf(input.principal.role, currency, policy), currency };
  const page = await deps.store.getHistoryPage(input.caseId, { limit: HISTORY_PAGE.defaultLimit, maxBytes: HISTORY_PAGE.maxBytes });
  return {
    case: found,
    history: page.events,
    olderHistoryCursor: page.older === undefined ? null : historyCursorOf(input.caseId, page.older),
    authority,
  };
}

/**
 * One page of one of the caller's cases' history, newest page first, events in each page
 * oldest first; `nextCursor` continues with the older events.
 *
 * Steps:
 * 1. Open the cursor, if any: it must name this case (400 naming `cursor` otherwise), before
 *    anything is read.
 * 2. Read the case; another seller's case is 404, exactly like a missing one.
 * 3. One page of events before the cursor's position, bounded by `limit` and HISTORY_PAGE's bytes.
 */
export async function getCaseHistory(
  deps: Pick<GetCaseDeps, 'store'>,
  input: { principal: StaffPrincipal; caseId: string; cursor?: string | undefined; limit: number },
): Promise<{ events: HistoryEvent[]; nextCursor: string | null }> {
  const before = input.cursor === undefined ? undefined : positionIn(input.caseId, input.cursor);
  await loadOwnCase(deps.store, input.principal, input.caseId);
  const page = await deps.store.getHistoryPage(input.caseId, { before, limit: input.limit, maxBytes: HISTORY_PAGE.maxBytes });
  return { events: page.events, nextCursor: page.older === undefined ? null : historyCursorOf(input.caseId, page.older) };
}
