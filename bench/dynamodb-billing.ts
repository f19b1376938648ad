import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { caseTable, type IndexDefinition } from '#infra/definitions.ts';
import { indexEntryOf } from '#lib/adapters/dynamodb/table-schema.ts';

/**
 * DynamoDB capacity as DynamoDB bills it, for the benchmarks (bench/intake.ts,
 * bench/return-leg.ts): item sizes, index upkeep, units per operation, and the billable
 * operations of recorded SDK calls.
 */

export type Item = Record<string, unknown>;
export const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** A number's stored size: one byte per two significant digits, plus one. */
export function numberSize(n: number): number {
  const mantissa = String(Math.abs(n)).split('e')[0] ?? '0';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** Size of a value as DynamoDB counts it (the attribute name is counted by the caller). */
export function valueSize(v: unknown): number {
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number') return numberSize(v);
  if (typeof v === 'boolean' || v === null) return 1;
  if (v instanceof Uint8Array) return v.byteLength;
  if (Array.isArray(v)) return 3 + v.filter((e) => e !== undefined).reduce((sum: number, e) => sum + 1 + valueSize(e), 0);
  if (typeof v === 'object') {
    let size = 3;
    for (const [k, e] of Object.entries(v as Item)) if (e !== undefined) size += 1 + utf8(k) + valueSize(e);
    return size;
  }
  return 0;
}

/** Item size: attribute names plus values (DynamoDB developer guide, "item sizes and formats"). */
export function itemSize(item: Item | undefined): number {
  if (item === undefined) return 0;
  let size = 0;
  for (const [k, v] of Object.entries(item)) if (v !== undefined) size += utf8(k) + valueSize(v);
  return size;
}

export const KB = 1024;
export const units = (bytes: number, per: number) => Math.max(1, Math.ceil(bytes / per));
/** Every index entry carries 100 bytes of overhead besides its attributes. */
export const INDEX_ENTRY_OVERHEAD = 100;
export const indexEntry = (index: IndexDefinition, item: Item | undefined): Item | undefined =>
  item === undefined ? undefined : indexEntryOf(index, item);

/** JSON with object keys sorted at every level, so equal items compare equal whatever their key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Item)
      .filter(([, e]) => e !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, e]) => `${JSON.stringify(k)}:${canonical(e)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Index writes caused by one table write, billed as standard writes (1 WCU per KB of index
 * entry): a new entry 1, a removed entry 1, a changed index key 2 (delete + put), changed
 * projected attributes under the same key 1, nothing changed 0.
 */
export function indexWrites(before: Item | undefined, after: Item | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const index of caseTable.globalSecondaryIndexes) {
    const o = indexEntry(index, before);
    const n = indexEntry(index, after);
    const size = (e: Item) => itemSize(e) + INDEX_ENTRY_OVERHEAD;
    let wcu = 0;
    if (o === undefined && n === undefined) continue;
    if (o === undefined && n !== undefined) wcu = units(size(n), KB);
    else if (o !== undefined && n === undefined) wcu = units(size(o), KB);
    else if (o !== undefined && n !== undefined) {
      const keyChanged = o[index.partitionKey.name] !== n[index.partitionKey.name] || o[index.sortKey.name] !== n[index.sortKey.name];
      if (keyChanged) wcu = units(size(o), KB) + units(size(n), KB);
      else if (canonical(o) !== canonical(n)) wcu = units(Math.max(size(o), size(n)), KB);
    }
    if (wcu > 0) out[index.indexName] = wcu;
  }
  return out;
}

/**
 * One item of a TransactWriteItems: a Put/Delete (`before` → `after`), or a ConditionCheck
 * (`check`: `before` is the item checked, undefined when absent; nothing is written).
 */
export type WriteAction = { label: string; before?: Item; after?: Item; check?: true };
export type Op =
  | { kind: 'GetItem'; label: string; consistent: boolean; item: Item | undefined }
  | { kind: 'Query'; label: string; consistent: boolean; items: Item[] }
  | { kind: 'TransactWriteItems'; label: string; actions: WriteAction[] }
  | { kind: 'DeleteItem'; label: string; before: Item | undefined };

export type Billed = { rcu: number; wcuTable: number; wcuIndex: Record<string, number> };

/**
 * Units as DynamoDB bills them (on-demand request units are counted the same way):
 * - GetItem: 1 RCU per 4 KB (at least 1; a missing item still costs 1), half for an
 *   eventually consistent read;
 * - Query: the sizes of all items it reads summed, then 1 RCU per 4 KB of the sum, at least
 *   1 even when nothing matches (DynamoDB developer guide, "read and write operations":
 *   a Query is one read operation over the items returned); half for an eventually
 *   consistent Query. Each page is its own request, so each recorded call is one op;
 * - PutItem/DeleteItem: 1 WCU per KB of the larger of the item before and after (at least 1);
 * - TransactWriteItems: 2 WCU per KB of each item written, the same size rule per item;
 * - ConditionCheck inside a TransactWriteItems: ASSUMED billed as a transactional write of
 *   the checked item's size, at least 1 KB, so 2 WCU when the item is absent, and no index
 *   writes (nothing is written). AWS says every item of a transaction is prepared and
 *   committed (two underlying operations) and bills TransactWriteItems per item at the
 *   write rate; this benchmark's notes (stack.md, the rules below) say nothing else about
 *   ConditionCheck. If DynamoDB charged it less, intake costs up to 2 WCU less per case;
 * - index entries: standard writes, see indexWrites.
 */
export function billedUnits(op: Op): Billed {
  const wcuIndex: Record<string, number> = {};
  const addIndex = (w: Record<string, number>) => {
    for (const [k, v] of Object.entries(w)) wcuIndex[k] = (wcuIndex[k] ?? 0) + v;
  };
  switch (op.kind) {
    case 'GetItem':
      return { rcu: (op.item === undefined ? 1 : units(itemSize(op.item), 4 * KB)) * (op.consistent ? 1 : 0.5), wcuTable: 0, wcuIndex };
    case 'Query':
      // units() is at least 1: an empty Query still costs 1 RCU (0.5 eventually consistent).
      return {
        rcu:
          units(
            op.items.reduce((sum, item) => sum + itemSize(item), 0),
            4 * KB,
          ) * (op.consistent ? 1 : 0.5),
        wcuTable: 0,
        wcuIndex,
      };
    case 'DeleteItem':
      addIndex(indexWrites(op.before, undefined));
      return { rcu: 0, wcuTable: units(itemSize(op.before), KB), wcuIndex };
    case 'TransactWriteItems': {
      let wcuTable = 0;
      for (const a of op.actions) {
        if (a.check === true) {
          // ConditionCheck: the assumed rule above; the checked item is not written, no index upkeep.
          wcuTable += 2 * units(itemSize(a.before), KB);
          continue;
        }
        wcuTable += 2 * units(Math.max(itemSize(a.before), itemSize(a.after)), KB);
        addIndex(indexWrites(a.before, a.after));
      }
      return { rcu: 0, wcuTable, wcuIndex };
    }
  }
}

export const sumIndex = (b: Billed) => Object.values(b.wcuIndex).reduce((a, x) => a + x, 0);

export type RecordedCall = { command: string; input: Item; output: Item; consumed: ConsumedCapacity[] };

/** Turns recorded requests into billable operations, tracking each key's item as written. */
export function opsFromRecorded(calls: readonly RecordedCall[], state: Map<string, Item>): Op[] {
  const keyOf = (key: Item) => `${String(key.pk)}|${String(key.sk)}`;
  const ops: Op[] = [];
  for (const call of calls) {
    if (call.command === 'GetItemCommand') {
      ops.push({
        kind: 'GetItem',
        label: call.command,
        consistent: call.input.ConsistentRead === true,
        item: call.output.Item as Item | undefined,
      });
    } else if (call.command === 'QueryCommand') {
      // One recorded call is one page: billed on the items it read (none for the held-events Query).
      ops.push({
        kind: 'Query',
        label: call.command,
        consistent: call.input.ConsistentRead === true,
        items: (call.output.Items as Item[] | undefined) ?? [],
      });
    } else if (call.command === 'DeleteItemCommand') {
      const k = keyOf(call.input.Key as Item);
      ops.push({ kind: 'DeleteItem', label: call.command, before: state.get(k) });
      state.delete(k);
    } else if (call.command === 'TransactWriteItemsCommand') {
      const actions: WriteAction[] = [];
      for (const t of call.input.TransactItems as Item[]) {
        const p = t.Put as { Item: Item } | undefined;
        const d = t.Delete as { Key: Item } | undefined;
        const c = t.ConditionCheck as { Key: Item } | undefined;
        if (p === undefined && d === undefined && c === undefined)
          throw new Error(`unexpected transaction item ${Object.keys(t).join(', ')}`);
        const k = keyOf(p?.Item ?? d?.Key ?? c?.Key ?? {});
        const before = state.get(k);
        if (c !== undefined) {
          // Billed on the checked item as this run has written it (absent: never written here).
          actions.push(before === undefined ? { label: 'check', check: true } : { label: 'check', check: true, before });
        } else if (p !== undefined) {
          actions.push(before === undefined ? { label: 'put', after: p.Item } : { label: 'put', before, after: p.Item });
          state.set(k, p.Item);
        } else {
          actions.push(before === undefined ? { label: 'delete' } : { label: 'delete', before });
          state.delete(k);
        }
      }
      ops.push({ kind: 'TransactWriteItems', label: call.command, actions });
    } else {
      throw new Error(`unexpected DynamoDB call ${call.command}`);
    }
  }
  return ops;
}
