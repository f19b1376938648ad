import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { caseTable, type IndexDefinition } from '#infra/definitions.ts';

/**
 * The size DynamoDB counts against its 400 KB item limit, as AWS documents it
 * (DynamoDB developer guide, "Item sizes and formats"): each attribute's name in UTF-8 bytes
 * plus its value: strings in UTF-8 bytes, binaries in bytes, booleans and nulls one byte,
 * lists and maps three bytes plus one per element plus their elements (a map element's name
 * counts like an attribute's). Numbers: AWS says "about one byte per two significant digits
 * plus one"; exactly, DynamoDB Local counts base-100 digit pairs aligned on the decimal point
 * (49000 is 4|90 → 2 pairs → 3 bytes), one more byte for a negative number, and 1 for zero.
 * test/integration/case-size-bounds.test.ts checks this against DynamoDB Local's own limit.
 */

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Bytes of a DynamoDB number: its base-100 digit pairs (aligned on the decimal point), one for the exponent, one for a sign. */
export function numberSize(n: string): number {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n.trim());
  if (match === null) throw new Error(`Not a DynamoDB number: ${n}`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const all = whole + fraction;
  const first = all.search(/[1-9]/);
  if (first < 0) return 1;
  const last = all.length - 1 - [...all].reverse().findIndex((d) => d !== '0');
  // Power of ten of a digit at index i of `all`.
  const power = (i: number) => whole.length - 1 - i + Number(exponent);
  const pairs = Math.floor(power(first) / 2) - Math.floor(power(last) / 2) + 1;
  return pairs + 1 + (sign === '-' ? 1 : 0);
}

export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8(name) + valueSize(element), 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  throw new Error(`Unknown attribute value ${JSON.stringify(value)}`);
}

export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

/**
 * What each global secondary index stores for `item` (its keys, the table's keys and the
 * projected attributes), by index name; an index whose keys the item lacks stores nothing.
 */
export function indexProjections(item: Record<string, AttributeValue>): Record<string, Record<string, AttributeValue>> {
  const tableKeys = [caseTable.partitionKey.name, caseTable.sortKey.name];
  const out: Record<string, Record<string, AttributeValue>> = {};
  for (const index of caseTable.globalSecondaryIndexes as readonly IndexDefinition[]) {
    const keys = [index.partitionKey.name, index.sortKey.name];
    if (keys.some((k) => item[k] === undefined)) continue;
    const projected: readonly string[] =
      index.projection === 'ALL' ? Object.keys(item) : index.projection === 'KEYS_ONLY' ? [] : index.projection;
    out[index.indexName] = Object.fromEntries(
      [...new Set([...tableKeys, ...keys, ...projected])]
        .filter((name) => item[name] !== undefined)
        .map((name) => [name, item[name] as AttributeValue]),
    );
  }
  return out;
}
