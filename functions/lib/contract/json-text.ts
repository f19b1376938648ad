import * as z from 'zod/mini';

/**
 * A setting that holds JSON text (an environment variable), parsed; callers pipe the result
 * into its shape. A parse failure is one issue, "must be a JSON object", with an example of
 * the expected shape when one is given.
 *
 * @example
 * z.pipe(jsonText('{"my-shop.myshopify.com":"seller-id"}'), z.record(z.string(), z.string()))
 */
export function jsonText(example?: string) {
  const message = example === undefined ? 'must be a JSON object' : `must be a JSON object such as ${example}`;
  return z.pipe(
    z.string(),
    z.transform((raw: string, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', input: ctx.value, message });
        return z.NEVER;
      }
    }),
  );
}
