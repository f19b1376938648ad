import type { DueCase } from '../workflow/escalation.ts';

/**
 * A case the due index lists: its id, the deadline the index holds for it and, normally,
 * the case as the sweep needs it (`due`, from the index projection). `due` is absent only
 * for an entry written without escalation facts; the caller then reads the case.
 */
export type DueCaseListing = { readonly caseId: string; readonly dueAt: string; readonly due?: DueCase };

export type DueCasesPage = {
  /** Due cases, oldest deadline first. */
  readonly cases: readonly DueCaseListing[];
  /** True when the limit cut the list short: more due cases wait for the next run. */
  readonly more: boolean;
};

/**
 * The set of open cases whose deadline has passed. Implementations must read only due
 * entries (cost grows with the number of due cases, not with all cases) and at most
 * `limit` of them. The listing may lag the cases themselves: a writer acting on it must
 * condition its write on the version and deadline listed.
 */
export interface DueCases {
  listDue(input: { readonly now: string; readonly limit: number }): Promise<DueCasesPage>;
  /**
   * How many cases the index lists, due or not: every case awaiting staff (the review
   * backlog). A count, not a listing; its cost grows with the backlog, once per call.
   */
  countOpen(): Promise<number>;
}
