import type { JsonSchema } from './json-schema-walk.ts';

/**
 * The largest value a published JSON Schema (`z.toJSONSchema`, input side) allows: every
 * optional field present, every array at its maxItems, every string at its maxLength, free
 * text in 3-byte UTF-8 characters (the most bytes per UTF-16 code unit, which is what the
 * limits count), identifiers made unique by a tag and index, the longest enum member, numbers
 * at their maximum, union members chosen by size. Built from the contract, so a limit raised
 * tomorrow is a bigger case in the size test tomorrow.
 *
 * What a JSON Schema cannot state (a currency code's letters, amounts within an approval
 * authority) the caller sets through `overrides`, keyed by field path without array indices
 * (`return.money.currency`).
 */

/** A BMP character that is 3 bytes in UTF-8: the worst case per code unit. */
export const THREE_BYTE_CHAR = '€';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** The longest form of a timestamp the schema allows: nanoseconds and an offset. */
function longestTimestamp(maxLength: number): string {
  const digits = maxLength - '2026-11-06T09:00:00.+00:00'.length;
  if (digits < 1) throw new Error(`A date-time of at most ${maxLength} characters cannot carry a fraction`);
  return `2026-11-06T09:00:00.${'0'.repeat(digits)}+00:00`;
}

export type Overrides = Readonly<Record<string, unknown>>;

export function maximalValue(schema: JsonSchema, root: string, overrides: Overrides = {}): unknown {
  return generate(schema, [root], overrides);
}

function generate(schema: JsonSchema, path: readonly (string | number)[], overrides: Overrides): unknown {
  // The root only tags identifiers; overrides name fields from below it.
  const field = path
    .slice(1)
    .filter((p) => typeof p === 'string')
    .join('.');
  if (field in overrides) return overrides[field];
  const tag = path.join('.');
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants !== undefined) {
    return variants.map((variant) => generate(variant, path, overrides)).sort((a, b) => bytes(b) - bytes(a))[0];
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, property]) => [key, generate(property, [...path, key], overrides)]),
      );
    case 'array': {
      if (schema.maxItems === undefined) throw new Error(`${tag}: an array without maxItems has no largest value`);
      return Array.from({ length: schema.maxItems }, (_, i) => generate(schema.items as JsonSchema, [...path, i], overrides));
    }
    case 'string': {
      if (schema.const !== undefined) return schema.const;
      if (schema.enum !== undefined) return [...(schema.enum as string[])].sort((a, b) => bytes(b) - bytes(a))[0];
      const max = schema.maxLength;
      if (max === undefined) throw new Error(`${tag}: a string without maxLength has no largest value`);
      if (schema.format === 'date-time') return longestTimestamp(max);
      if (schema.format === 'uri') {
        const prefix = 'https://files.example/';
        return prefix + 'a'.repeat(max - prefix.length);
      }
      if (schema.pattern !== undefined) {
        // An identifier: letters and digits, unique per place and index.
        const unique = tag.replace(/[^A-Za-z0-9]/g, '');
        const value = ('x'.repeat(max) + unique).slice(-max);
        if (!new RegExp(schema.pattern).test(value)) throw new Error(`${tag}: no filler matches ${schema.pattern}; override it`);
        return value;
      }
      return THREE_BYTE_CHAR.repeat(max);
    }
    case 'integer':
    case 'number':
      if (schema.const !== undefined) return schema.const;
      if (schema.maximum === undefined) throw new Error(`${tag}: a number without maximum has no largest value`);
      return schema.maximum;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      throw new Error(`${tag}: no largest value for ${JSON.stringify(schema).slice(0, 200)}`);
  }
}
