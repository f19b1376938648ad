import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { FieldIssue } from './errors.ts';

// zod/mini loads no error messages of its own: the English ones classic zod loads, for every
// problem this module passes on (config.ts does the same for configuration errors).
z.config(en());

const MAX_ISSUES = 20;

/**
 * Turns zod issues into `{ field, problem }` pairs a client can act on: the field as a
 * dotted path (`return.money.amountPaid`, `return.evidence.2.finding`), the problem in
 * plain words. Capped so a hostile body cannot make the error response huge.
 */
/** An empty key is still a key: quoted, so a field is never named by a blank. */
const segment = (key: PropertyKey): string => (String(key) === '' ? '""' : String(key));

export function issuesFromZod(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map(segment).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (path === '' ? segment(k) : `${path}.${segment(k)}`));
      return { field: keys.join(', '), problem: 'is not a known field' };
    }
    return { field: path === '' ? '(body)' : path, problem: issue.message };
  });
}
