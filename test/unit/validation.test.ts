import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { issuesFromZod } from '#lib/contract/validation.ts';

const schema = z.strictObject({ name: z.string(), items: z.array(z.strictObject({ qty: z.int() })) });
const issues = (input: unknown) => {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected a failure');
  return issuesFromZod(result.error);
};

describe('issuesFromZod', () => {
  it('names nested fields by their dotted path', () => {
    expect(issues({ name: 'x', items: [{ qty: 1.5 }] })).toEqual([{ field: 'items.0.qty', problem: expect.stringContaining('int') }]);
  });

  it('names each unknown field, and quotes an empty key instead of leaving the field blank', () => {
    expect(issues({ name: 'x', items: [], '': [], extra: 1 })).toEqual([{ field: '"", extra', problem: 'is not a known field' }]);
    expect(issues({ name: 'x', items: [{ qty: 1, '': 2 }] })).toEqual([{ field: 'items.0.""', problem: 'is not a known field' }]);
  });

  it('calls a wrong top-level type a problem of the body', () => {
    expect(issues('nope')).toEqual([{ field: '(body)', problem: expect.any(String) }]);
  });

  it('caps the number of issues so a hostile body cannot inflate the answer', () => {
    const many = z.array(z.string()).safeParse(Array.from({ length: 500 }, () => 1));
    if (many.success) throw new Error('expected a failure');
    expect(issuesFromZod(many.error)).toHaveLength(20);
  });
});
