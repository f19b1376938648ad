import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DUE_INDEX_SHARDS } from '#infra/definitions.ts';
import type { DueCaseListing, DueCases, DueCasesPage } from '../ports/due-cases.ts';
import { dueCasesQuery, dueListingOf } from './dynamodb/table-schema.ts';

/**
 * The sparse `byOpenDeadline` index (infra/definitions.ts; attributes written by
 * caseIndexAttributes in dynamodb/table-schema.ts): only cases waiting for staff with a
 * deadline, keyed `deadlineShard = DUE#<0..7>`, `deadlineAt = dueAt`, projecting what a
 * DueCase holds (DUE_INDEX_PROJECTION): a few hundred bytes per entry, so one entry is all
 * the sweep reads per due case.
 *
 * A sweep queries every shard for `deadlineAt <= now`, oldest first, so it reads index
 * entries of due cases only. The limit is shared fairly: each shard gets an equal part,
 * and what a shard leaves unused goes to the shards that have more, so a backlog in one
 * shard never starves the others and at most `limit` entries are read.
 */

type ShardCursor = { readonly shard: number; startKey: Record<string, unknown> | undefined; exhausted: boolean };

/** Splits `total` into `parts` whole shares that differ by at most one. */
function fairShares(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

export class DynamoDbDueCases implements DueCases {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #shards: number;

  constructor(client: DynamoDBDocumentClient, tableName: string, shards = DUE_INDEX_SHARDS) {
    this.#client = client;
    this.#tableName = tableName;
    this.#shards = shards;
  }

  async listDue(input: { readonly now: string; readonly limit: number }): Promise<DueCasesPage> {
    if (!Number.isInteger(input.limit) || input.limit < 1) throw new RangeError(`limit must be a positive integer, got ${input.limit}`);
    const found: DueCaseListing[] = [];
    const cursors: ShardCursor[] = Array.from({ length: this.#shards }, (_, shard) => ({ shard, startKey: undefined, exhausted: false }));

    let open = cursors;
    while (open.length > 0 && found.length < input.limit) {
      const shares = fairShares(input.limit - found.length, open.length);
      const pages = await Promise.all(
        open.map((cursor, i) => ((shares[i] ?? 0) > 0 ? this.#queryShard(cursor, input.now, shares[i] ?? 0) : Promise.resolve([]))),
      );
      for (const page of pages) found.push(...page);
      open = open.filter((c) => !c.exhausted);
    }
    found.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
    return { cases: found, more: open.length > 0 };
  }

  async countOpen(): Promise<number> {
    const counts = await Promise.all(
      Array.from({ length: this.#shards }, async (_, shard) => {
        let count = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const out = await this.#client.send(
            new QueryCommand({
              TableName: this.#tableName,
              ...dueCasesQuery(shard),
              Select: 'COUNT',
              ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
            }),
          );
          count += out.Count ?? 0;
          startKey = out.LastEvaluatedKey;
        } while (startKey !== undefined);
        return count;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async #queryShard(cursor: ShardCursor, now: string, limit: number): Promise<DueCaseListing[]> {
    const out = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName,
        ...dueCasesQuery(cursor.shard, now),
        Limit: limit,
        ...(cursor.startKey === undefined ? {} : { ExclusiveStartKey: cursor.startKey }),
      }),
    );
    cursor.startKey = out.LastEvaluatedKey;
    // A full page may end exactly at the last due entry; the next (empty) query tells.
    cursor.exhausted = out.LastEvaluatedKey === undefined;
    const listings: DueCaseListing[] = [];
    for (const entry of out.Items ?? []) {
      const listing = dueListingOf(entry);
      if (listing !== undefined) listings.push(listing);
    }
    return listings;
  }
}
