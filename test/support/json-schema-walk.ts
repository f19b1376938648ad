/**
 * Walks the JSON Schema a zod schema publishes (`z.toJSONSchema`), so tests derive the
 * fields and limits of a contract from the contract itself instead of listing them by hand:
 * a field added tomorrow is tried tomorrow.
 */

export type JsonSchema = {
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly default?: unknown;
  readonly [key: string]: unknown;
};

export type Path = readonly (string | number)[];

/** A string or number field and the schema that governs it. */
export type Leaf = { readonly path: Path; readonly schema: JsonSchema; readonly kind: 'string' | 'number' | 'integer' };

const variantsOf = (schema: JsonSchema): readonly JsonSchema[] | undefined => schema.oneOf ?? schema.anyOf;

/** The union member whose constant properties (a discriminator) the value carries. */
export function variantFor(schema: JsonSchema, value: unknown): JsonSchema | undefined {
  const variants = variantsOf(schema);
  if (variants === undefined) return schema;
  return variants.find((variant) =>
    Object.entries(variant.properties ?? {}).every(
      ([key, property]) => property.const === undefined || (value as Record<string, unknown> | undefined)?.[key] === property.const,
    ),
  );
}

/**
 * Every string and number field reachable from `schema`, following the shape of `example`
 * (a valid value): union members are chosen by their discriminator, arrays are entered at
 * every index of the example, and a field whose schema was already seen at the same place
 * (another array index, the same common field of another union member) is listed once.
 */
export function leavesOf(schema: JsonSchema, example: unknown): Leaf[] {
  const leaves: Leaf[] = [];
  const seen = new Set<string>();
  const visit = (node: JsonSchema, value: unknown, path: Path, place: string) => {
    const variants = variantsOf(node);
    if (variants !== undefined) {
      const chosen = variantFor(node, value);
      if (chosen !== undefined) visit(chosen, value, path, place);
      return;
    }
    const type = Array.isArray(node.type) ? node.type[0] : node.type;
    if (type === 'object') {
      for (const [key, property] of Object.entries(node.properties ?? {})) {
        visit(property, (value as Record<string, unknown> | undefined)?.[key], [...path, key], `${place}.${key}`);
      }
    } else if (type === 'array' && node.items !== undefined) {
      const items = Array.isArray(value) && value.length > 0 ? value : [undefined];
      items.forEach((item, index) => {
        visit(node.items as JsonSchema, item, [...path, index], `${place}[]`);
      });
    } else if (type === 'string' || type === 'number' || type === 'integer') {
      const signature = `${place} ${JSON.stringify(node)}`;
      if (seen.has(signature)) return;
      seen.add(signature);
      leaves.push({ path, schema: node, kind: type });
    }
  };
  visit(schema, example, [], '');
  return leaves;
}

export function getAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown> | undefined)?.[key];
  return current;
}

/** A copy of `value` with `path` set to `leaf` (parents created as needed). */
export function setAt<T>(value: T, path: Path, leaf: unknown): T {
  const copy = structuredClone(value) as unknown;
  let current = copy as Record<string | number, unknown>;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      current[key] = leaf;
      return;
    }
    current[key] ??= typeof path[i + 1] === 'number' ? [] : {};
    current = current[key] as Record<string | number, unknown>;
  });
  return copy as T;
}
