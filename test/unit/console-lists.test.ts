import { describe, expect, it } from 'vitest';
import { PRIORITIES, STATUSES } from '../../console/lists.ts';
import { priorities } from '#lib/contract/priorities.ts';
import { ListCasesQuerySchema } from '#lib/http/seller-api-schemas.ts';
import { caseStatuses } from '#lib/workflow/case.ts';

describe("the console's queue filters", () => {
  it('offer exactly the statuses and priorities the list API accepts', () => {
    expect([...STATUSES]).toEqual([...caseStatuses]);
    expect([...PRIORITIES]).toEqual([...priorities]);
    for (const status of STATUSES) expect(ListCasesQuerySchema.safeParse({ status }).success).toBe(true);
    for (const priority of PRIORITIES) expect(ListCasesQuerySchema.safeParse({ priority }).success).toBe(true);
  });
});
