import { expect } from 'vitest';
import type { InspectableCaseStore } from './faults.ts';
import type { MismatchKind, ReconcileResult } from '#lib/use-cases/reconcile-refunds.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';

/** A reconciliation window around now: the last 30 minutes and the next one. */
export const windowNow = () => ({
  from: new Date(Date.now() - 30 * 60_000).toISOString(),
  to: new Date(Date.now() + 60_000).toISOString(),
});

/**
 * Each kind of mismatch was found on the case it was planted on, and only there: written to that
 * case's history (the provider named), the case itself untouched (still refunded); the clean case
 * is not named.
 */
export async function expectEachKindFlagged(
  store: InspectableCaseStore,
  result: ReconcileResult,
  planted: Readonly<Record<MismatchKind, CaseRecord>>,
  clean: CaseRecord,
  provider: string,
): Promise<void> {
  const byKind = Object.fromEntries(result.mismatches.map((m) => [m.kind, m.caseId]));
  expect(byKind).toEqual(Object.fromEntries(Object.entries(planted).map(([kind, c]) => [kind, c.caseId])));
  for (const [kind, caseId] of Object.entries(byKind)) {
    const history = await store.getHistory(caseId as string);
    expect(history.at(-1)).toMatchObject({ action: 'RECONCILIATION_MISMATCH', details: { kind, provider } });
    expect((await store.getCase(caseId as string))?.status).toBe('REFUNDED');
  }
  expect(result.mismatches.some((m) => m.caseId === clean.caseId)).toBe(false);
}
