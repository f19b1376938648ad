import { ValidationError } from '../contract/errors.ts';
import type { StaffPrincipal } from '../contract/staff-claims.ts';
import type { CaseListing } from '../ports/case-listing.ts';
import type { CaseStore } from '../ports/case-store.ts';
import { openClaimsByDeadline, type RecoveryRow, recoveryOf, recoveryTotals } from '../workflow/recovery.ts';

export type RecoveryReportDeps = { readonly listing: CaseListing; readonly store: CaseStore };

/** The most of the seller's index entries one report reads, and the most cases it reads whole. */
export const RECOVERY_MAX_INDEX_ENTRIES = 2_000;
export const RECOVERY_MAX_CASES = 500;
/** The longest range one report covers. */
export const RECOVERY_MAX_RANGE_DAYS = 366;
const CONCURRENCY = 8;

export type RecoveryReport = {
  readonly sellerId: string;
  readonly from: string;
  readonly to: string;
  readonly rows: RecoveryRow[];
  readonly totals: ReturnType<typeof recoveryTotals>;
  readonly openClaims: ReturnType<typeof openClaimsByDeadline>;
  /** False when a limit cut the report short: narrow the range. */
  readonly complete: boolean;
  readonly limits: { readonly maxIndexEntries: number; readonly maxCases: number; readonly maxRangeDays: number };
};

/**
 * The recovery report of the caller's seller for cases created in [from, to) (#19).
 *
 * Steps:
 * 1. The range is validated: from before to, at most RECOVERY_MAX_RANGE_DAYS (400 naming the field).
 * 2. The seller's cases are read from its partition of the bySellerDue index (never another
 *    seller's, never a scan), at most RECOVERY_MAX_INDEX_ENTRIES entries, keeping those created
 *    in the range; at most RECOVERY_MAX_CASES of them are read whole (ledger, claim).
 * 3. Rows, per-currency totals and open claims by filing deadline; `complete` says whether a
 *    limit cut it short.
 */
export async function recoveryReport(
  deps: RecoveryReportDeps,
  input: { readonly principal: StaffPrincipal; readonly from: string; readonly to: string },
): Promise<RecoveryReport> {
  const fromMs = Date.parse(input.from);
  const toMs = Date.parse(input.to);
  if (!(fromMs < toMs)) throw new ValidationError('Query string is not valid', [{ field: 'to', problem: 'must be later than from' }]);
  if (toMs - fromMs > RECOVERY_MAX_RANGE_DAYS * 86_400_000) {
    throw new ValidationError('Query string is not valid', [
      { field: 'to', problem: `must be at most ${RECOVERY_MAX_RANGE_DAYS} days after from` },
    ]);
  }
  const sellerId = input.principal.sellerId;
  const ids: string[] = [];
  let read = 0;
  let after: string | undefined;
  let complete = true;
  do {
    const page = await deps.listing.listBySeller({ sellerId, filter: {}, limit: 100, ...(after === undefined ? {} : { after }) });
    read += page.items.length;
    for (const item of page.items) {
      const created = Date.parse(item.createdAt);
      if (created >= fromMs && created < toMs) ids.push(item.caseId);
    }
    after = page.next;
    if (after !== undefined && read >= RECOVERY_MAX_INDEX_ENTRIES) complete = false;
  } while (after !== undefined && complete);
  if (ids.length > RECOVERY_MAX_CASES) complete = false;
  const wanted = ids.slice(0, RECOVERY_MAX_CASES);
  const rows: RecoveryRow[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, wanted.length) }, async () => {
      while (next < wanted.length) {
        const id = wanted[next++] as string;
        const c = await deps.store.getCase(id);
        if (c !== undefined && c.sellerId === sellerId) rows.push(recoveryOf(c));
      }
    }),
  );
  rows.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.caseId < b.caseId ? -1 : 1));
  return {
    sellerId,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    rows,
    totals: recoveryTotals(rows),
    openClaims: openClaimsByDeadline(rows),
    complete,
    limits: { maxIndexEntries: RECOVERY_MAX_INDEX_ENTRIES, maxCases: RECOVERY_MAX_CASES, maxRangeDays: RECOVERY_MAX_RANGE_DAYS },
  };
}
