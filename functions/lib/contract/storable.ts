import * as z from 'zod/mini';

/**
 * Schema building blocks for values that end up in DynamoDB. "Schemas are promises": what a
 * schema accepts must be storable and answerable, so every number a request can carry is
 * built here rather than with a bare `z.number()` (test/unit/storable-schemas.test.ts walks
 * the accepted schemas and fails on any other).
 *
 * DynamoDB keeps a number only if it is 0 or its magnitude lies between 1E-130 and
 * 9.9999999999999999999999999999999999999E+125, with at most 38 significant digits, and the
 * document client refuses any beyond Number.MAX_SAFE_INTEGER. A double never has more than
 * 17 significant digits, so range is what goes wrong: `z.number().min(0).max(1)` lets 5e-324
 * through, and DynamoDB then answers "Number underflow", a 500 the sender retries forever.
 */

/** Smallest non-zero magnitude DynamoDB stores. */
export const DYNAMODB_MIN_MAGNITUDE = 1e-130;

/** DynamoDB's item size limit (attribute names and values, UTF-8), in bytes. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/**
 * The most UTF-8 bytes one UTF-16 code unit (what zod's string `.max()` counts) can take in
 * well-formed text: 3 for a character of the Basic Multilingual Plane; a character beyond it
 * takes 4 bytes but 2 code units.
 */
export const MAX_UTF8_BYTES_PER_CODE_UNIT = 3;

/** The normalisers this module made; lets a test tell a helper-built number from a bare one. */
const normalizers = new WeakSet<object>();

/** True for a zod `overwrite` function made by this module. */
export function isStorableNormalizer(fn: unknown): boolean {
  return typeof fn === 'function' && normalizers.has(fn);
}

/** DynamoDB has no negative zero; -0 would be stored and read back as 0, so it is 0 from the start. */
const withoutNegativeZero = (value: number): number => value + 0;

function assertSafeBounds(what: string, bounds: { min: number; max: number }): void {
  const { min, max } = bounds;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
    // A programming error in a schema definition: fails at module load, never per request.
    throw new RangeError(`${what}: bounds must be safe integers with min <= max, got [${min}, ${max}]`);
  }
}

/**
 * A whole number from `min` to `max` (safe integers, so the document client and DynamoDB
 * both keep it exactly); -0 becomes 0.
 */
export function storableInt(bounds: { min: number; max: number }) {
  assertSafeBounds('storableInt', bounds);
  const normalize = function storableIntNormalize(value: number): number {
    return withoutNegativeZero(value);
  };
  normalizers.add(normalize);
  return z.int().check(z.gte(bounds.min), z.lte(bounds.max), z.overwrite(normalize));
}

/**
 * A decimal number from `min` to `max`, rounded to `decimals` places after it is checked
 * against the bounds. Rounding rather than refusing: a sender that computes a rate as
 * 0.12345678901 means 0.123457, and one that sends 1e-200 means 0, which is what it becomes.
 * With at most 9 decimals a non-zero result is at least 1e-9, far inside DynamoDB's range.
 */
export function storableDecimal(bounds: { min: number; max: number; decimals: number }) {
  assertSafeBounds('storableDecimal', bounds);
  const { decimals } = bounds;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 9) {
    throw new RangeError(`storableDecimal: decimals must be a whole number from 0 to 9, got ${decimals}`);
  }
  const factor = 10 ** decimals;
  if (Math.max(Math.abs(bounds.min), Math.abs(bounds.max)) * factor > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`storableDecimal: [${bounds.min}, ${bounds.max}] at ${decimals} decimals is beyond exact rounding`);
  }
  const normalize = function storableDecimalNormalize(value: number): number {
    // Dividing the rounded integer gives the double nearest to the decimal, so it prints as
    // at most `decimals` places and reads back from DynamoDB as the same double.
    return withoutNegativeZero(Math.round(value * factor) / factor);
  };
  normalizers.add(normalize);
  return z
    .number()
    .check(
      z.gte(bounds.min),
      z.lte(bounds.max),
      z.overwrite(normalize),
      z.meta({ description: `From ${bounds.min} to ${bounds.max}; rounded to ${decimals} decimal places` }),
    );
}

/** A fraction from 0 to 1 (a rate), kept to 6 decimal places. */
export const storableRate = () => storableDecimal({ min: 0, max: 1, decimals: 6 });

/**
 * Free text of at most `max` characters (UTF-16 code units, as zod counts them; so at most
 * `max` × 3 bytes once stored), well-formed: an unpaired surrogate has no UTF-8 encoding,
 * so DynamoDB could not keep it as sent.
 */
export function boundedText(max: number, options: { min?: number; trim?: boolean } = {}) {
  let text = z.string();
  if (options.trim) text = text.check(z.trim());
  if (options.min !== undefined) text = text.check(z.minLength(options.min));
  return text.check(
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((value) => value.isWellFormed(), 'must be well-formed Unicode text (no unpaired surrogate code units)'),
  );
}
