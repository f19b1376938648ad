import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { isStorableNormalizer, storableDecimal, storableInt, storableRate } from '#lib/contract/storable.ts';
import {
  AddEvidenceBodySchema,
  ApproveBodySchema,
  AssignBodySchema,
  ListCasesQuerySchema,
  NoteBodySchema,
  OverrideBodySchema,
} from '#lib/http/seller-api-schemas.ts';
import { webhookBodySchemas } from '#lib/http/webhook-body-schemas.ts';

/**
 * "Schemas are promises": every number a request can carry must be storable in DynamoDB, so
 * every number schema the service accepts is built by functions/lib/contract/storable.ts. This
 * walks the accepted schemas (webhook bodies of every format, seller API bodies and query)
 * and names any number that is not.
 */

const accepted: Record<string, z.core.$ZodType> = {
  ...Object.fromEntries(webhookBodySchemas.map((format) => [`webhook ${format.name}`, format.schema])),
  'seller API query GET /cases': ListCasesQuerySchema,
  'seller API body evidence': AddEvidenceBodySchema,
  'seller API body approve': ApproveBodySchema,
  'seller API body override': OverrideBodySchema,
  'seller API body note': NoteBodySchema,
  'seller API body assign': AssignBodySchema,
};

type Def = { type: string; [key: string]: any };

/** Every number schema inside `schema`, with where it sits. */
function numbersIn(schema: z.core.$ZodType): { path: string; schema: z.core.$ZodType }[] {
  const found: { path: string; schema: z.core.$ZodType }[] = [];
  // Ancestors only: one schema object may sit in many places, but a lazy one may hold itself.
  const ancestors = new Set<unknown>();
  const visit = (node: z.core.$ZodType | undefined, path: string) => {
    if (node === undefined || ancestors.has(node)) return;
    ancestors.add(node);
    try {
      visitDef(node, path);
    } finally {
      ancestors.delete(node);
    }
  };
  const visitDef = (node: z.core.$ZodType, path: string) => {
    const def = (node as unknown as { _zod: { def: Def } })._zod.def;
    switch (def.type) {
      case 'number':
        found.push({ path, schema: node });
        return;
      case 'object':
        for (const [key, child] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) visit(child, `${path}.${key}`);
        if (def.catchall !== undefined) visit(def.catchall, `${path}.*`);
        return;
      case 'array':
        return visit(def.element, `${path}[]`);
      case 'union':
        for (const option of def.options as z.core.$ZodType[]) visit(option, path);
        return;
      case 'record':
        visit(def.keyType, `${path}{key}`);
        return visit(def.valueType, `${path}{}`);
      case 'pipe':
        visit(def.in, path);
        return visit(def.out, path);
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return visit(def.innerType, path);
      case 'intersection':
        visit(def.left, path);
        return visit(def.right, path);
      case 'tuple':
        for (const [i, item] of (def.items as z.core.$ZodType[]).entries()) visit(item, `${path}[${i}]`);
        return;
      case 'lazy':
        return visit(def.getter(), path);
      default:
        // Strings, literals, enums, booleans, unknown, transforms: no number schema inside.
        return;
    }
  };
  visit(schema, '');
  return found;
}

const builtByStorable = (schema: z.core.$ZodType) =>
  ((schema as unknown as { _zod: { def: Def } })._zod.def.checks ?? []).some(
    (check: { _zod: { def: { check: string; tx?: unknown } } }) =>
      check._zod.def.check === 'overwrite' && isStorableNormalizer(check._zod.def.tx),
  );

describe('every accepted number is storable', () => {
  it.each(Object.entries(accepted))('%s: its numbers come from the storable helpers', (_name, schema) => {
    const bare = numbersIn(schema)
      .filter((n) => !builtByStorable(n.schema))
      .map((n) => n.path);
    expect(bare).toEqual([]);
  });

  it('the walk finds the numbers it must (so an empty list above means something)', () => {
    const paths = numbersIn(accepted['webhook CanonicalPayloadV1'] as z.core.$ZodType).map((n) => n.path);
    expect(paths).toEqual(
      expect.arrayContaining(['.return.signals.buyerClaimRate', '.return.money.amountPaid', '.return.items[].quantity']),
    );
    expect(numbersIn(ListCasesQuerySchema).map((n) => n.path)).toEqual(['.limit']);
  });

  it('a bare z.number() is told apart from a helper-built one', () => {
    expect(builtByStorable(z.number().min(0).max(1))).toBe(false);
    expect(builtByStorable(z.int().overwrite((v) => v))).toBe(false);
    expect(builtByStorable(storableRate())).toBe(true);
    expect(builtByStorable(storableInt({ min: 0, max: 10 }).check(z.positive()))).toBe(true);
  });
});

describe('the storable helpers', () => {
  it('round a rate into DynamoDB range: tiny values become 0, -0 becomes 0, precision is 6 decimals', () => {
    const rate = storableRate();
    for (const tiny of [5e-324, 1e-200, 1e-131, 1e-130, 4.9e-7]) expect(Object.is(rate.parse(tiny), 0), String(tiny)).toBe(true);
    expect(Object.is(rate.parse(-0), 0)).toBe(true);
    expect(rate.parse(0.1234567890123)).toBe(0.123457);
    expect(rate.parse(5e-7)).toBe(0.000001);
    expect(rate.parse(0.9999999)).toBe(1);
    expect(rate.parse(0.1 + 0.2)).toBe(0.3);
  });

  it('refuse what is outside the bounds before rounding it in', () => {
    const rate = storableRate();
    for (const outside of [-5e-324, -1e-9, 1.000001, Infinity, Number.NaN])
      expect(rate.safeParse(outside).success, String(outside)).toBe(false);
    const count = storableInt({ min: 0, max: 10 });
    expect(Object.is(count.parse(-0), 0)).toBe(true);
    for (const outside of [-1, 11, 0.5, 9007199254740992]) expect(count.safeParse(outside).success, String(outside)).toBe(false);
  });

  it('refuse bounds that could not be stored or rounded exactly, when the schema is defined', () => {
    expect(() => storableInt({ min: 0, max: 2 ** 60 })).toThrow(RangeError);
    expect(() => storableInt({ min: 0.5, max: 1 })).toThrow(RangeError);
    expect(() => storableDecimal({ min: 0, max: 1, decimals: 12 })).toThrow(RangeError);
    expect(() => storableDecimal({ min: 0, max: 1e10, decimals: 9 })).toThrow(RangeError);
  });

  it('publish their bounds and precision in the JSON Schema', () => {
    expect(z.toJSONSchema(storableRate())).toMatchObject({
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: expect.stringContaining('6 decimal places'),
    });
    expect(z.toJSONSchema(storableInt({ min: 1, max: 100 }))).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
  });
});
