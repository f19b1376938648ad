/** A case the due index lists: its id and the deadline the index holds for it. */
export type DueCaseRef = { readonly caseId: string; readonly dueAt: string };

export type DueCasesPage = {
  /** Due cases, oldest deadline first. */
  readonly cases: readonly DueCaseRef[];
  /** True when the limit cut the list short: more due cases wait for the next run. */
  readonly more: boolean;
};

/**
 * The set of open cases whose deadline has passed. Implementations must read only due
 * entries (cost grows with the number of due cases, not with all cases) and at most
 * `limit` of them. The listing may lag the cases themselves; callers re-check each case.
 */
export interface DueCases {
  listDue(input: { readonly now: string; readonly limit: number }): Promise<DueCasesPage>;
}
