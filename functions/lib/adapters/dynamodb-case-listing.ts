import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { SELLER_INDEX_PROJECTION } from '#infra/definitions.ts';
import type {
  CaseListing,
  CaseListingCounts,
  CaseListingFilter,
  CaseListingItem,
  CaseListingPage,
  CaseListingQuery,
} from '../ports/case-listing.ts';
import {
  isSellerPosition,
  listingItemOf,
  NO_DEADLINE,
  sellerCasesQuery,
  sellerDueIndex,
  sellerPositionOf,
} from './dynamodb/table-schema.ts';

/**
 * Seller listing from the `bySellerDue` index (gsi1pk = SELLER#<sellerId>,
 * gsi1sk = <dueAt or 9999…>#<caseId>; see dynamodb/table-schema.ts, written with every case).
 *
 * - The seller is the partition key: one seller's listing never touches another's items.
 * - `dueBefore` and the resume position are key conditions on gsi1sk; status, reason and
 *   priority are a filter. DynamoDB applies `Limit` before the filter, so a filtered page
 *   loops until it is full or the partition is exhausted, reading at most MAX_EXAMINED items
 *   per request; when that budget runs out first, the page is short and `next` points at the
 *   last item examined, so the client continues there without re-reading anything.
 * - Positions are gsi1sk values and resuming is a key condition (`gsi1sk > :after`), not an
 *   ExclusiveStartKey: it needs no item to still exist and cannot be pointed outside the
 *   seller's partition.
 */

/** Items examined (before filtering) per request, at most. */
export const MAX_EXAMINED = 1_000;
/** Index entries a count reads, at most (about 20 MB of small entries; a seller's open queue is far smaller). */
export const MAX_COUNTED = 20_000;
const HOUR_MS = 3_600_000;
/** Largest read per query once a filter has shown it discards items. */
const MAX_READ = 200;

/**
 * What the index holds of each case (SELLER_INDEX_PROJECTION): the top-level fields a listing
 * shows, the listing summary (reason, remedy, confidence) and the sort key. A query on an
 * index may only ask for projected attributes.
 */
const projected = [...SELLER_INDEX_PROJECTION, sellerDueIndex.sortKey.name];
const projection = {
  expression: projected.map((n) => `#${n}`).join(', '),
  names: Object.fromEntries(projected.map((n) => [`#${n}`, n])) as Record<string, string>,
};

export class DynamoDbCaseListing implements CaseListing {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #maxExamined: number;

  readonly #maxCounted: number;

  constructor(client: DynamoDBDocumentClient, tableName: string, options: { maxExamined?: number; maxCounted?: number } = {}) {
    this.#client = client;
    this.#tableName = tableName;
    this.#maxExamined = options.maxExamined ?? MAX_EXAMINED;
    this.#maxCounted = options.maxCounted ?? MAX_COUNTED;
  }

  async listBySeller(query: CaseListingQuery): Promise<CaseListingPage> {
    const { after } = query;
    const dueBefore = query.filter.dueBeforeMs === undefined ? undefined : dueBeforeBound(query.filter.dueBeforeMs);
    if (dueBefore === 'EMPTY') return { items: [] };
    if (after !== undefined && !isSellerPosition(after)) {
      throw new RangeError('A listing position must be a bySellerDue sort key');
    }
    // Resuming at or past the deadline asked for: nothing left before it.
    if (after !== undefined && dueBefore !== undefined && after >= dueBefore) return { items: [] };
    const keyQuery = sellerCasesQuery(query.sellerId, { after, before: dueBefore });
    const filter = filterExpression(query.filter);

    const found: { item: CaseListingItem; position: string }[] = [];
    let examined = 0;
    let lastExamined: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    let read = 0;
    do {
      const wanted = query.limit + 1 - found.length;
      // Exactly what is missing on the first read; when a filter turned out to discard items,
      // each further read doubles, so a selective filter needs few round trips.
      read = filter === undefined || read === 0 ? wanted : Math.min(MAX_READ, Math.max(wanted, read * 2));
      const input: QueryCommandInput = {
        TableName: this.#tableName,
        ...keyQuery,
        ExpressionAttributeValues: { ...keyQuery.ExpressionAttributeValues, ...filter?.values },
        ExpressionAttributeNames: { ...projection.names, ...filter?.names },
        ProjectionExpression: projection.expression,
        ...(filter === undefined ? {} : { FilterExpression: filter.expression }),
        Limit: Math.min(read, this.#maxExamined - examined),
        ExclusiveStartKey: startKey,
      };
      const out = await this.#client.send(new QueryCommand(input));
      examined += out.ScannedCount ?? 0;
      for (const entry of out.Items ?? []) {
        const position = sellerPositionOf(entry);
        // BETWEEN includes its lower bound: the item the client already has.
        if (position === after) continue;
        found.push({ item: listingItemOf(entry), position });
      }
      startKey = out.LastEvaluatedKey;
      if (startKey !== undefined) lastExamined = sellerPositionOf(startKey);
    } while (startKey !== undefined && found.length <= query.limit && examined < this.#maxExamined);

    if (found.length > query.limit) {
      const page = found.slice(0, query.limit);
      return { items: page.map((f) => f.item), next: page[page.length - 1]?.position ?? '' };
    }
    const items = found.map((f) => f.item);
    // Budget spent with the partition not exhausted: continue after the last item examined.
    if (startKey !== undefined) return { items, next: lastExamined ?? found[found.length - 1]?.position ?? '' };
    return { items };
  }

  /**
   * One pass over the seller's partition (only the sort key read back, the same filter as a
   * listing), tallied by deadline: the sort key starts with the deadline, so overdue and due
   * within the hour are read off it. Reads grow with the seller's matching range, at most
   * MAX_COUNTED entries (then `complete: false`).
   */
  async countBySeller(query: { sellerId: string; filter: CaseListingFilter; now: string }): Promise<CaseListingCounts> {
    const dueBefore = query.filter.dueBeforeMs === undefined ? undefined : dueBeforeBound(query.filter.dueBeforeMs);
    if (dueBefore === 'EMPTY') return { matching: 0, overdue: 0, dueWithinHour: 0, complete: true };
    const keyQuery = sellerCasesQuery(query.sellerId, { before: dueBefore });
    const filter = filterExpression(query.filter);
    const sortKey = sellerDueIndex.sortKey.name;
    const now = new Date(query.now).toISOString();
    const inAnHour = new Date(Date.parse(query.now) + HOUR_MS).toISOString();
    const counts = { matching: 0, overdue: 0, dueWithinHour: 0 };
    let examined = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          ...keyQuery,
          ExpressionAttributeValues: { ...keyQuery.ExpressionAttributeValues, ...filter?.values },
          ExpressionAttributeNames: { '#sk': sortKey, ...filter?.names },
          ProjectionExpression: '#sk',
          ...(filter === undefined ? {} : { FilterExpression: filter.expression }),
          Limit: Math.min(MAX_READ * 5, this.#maxCounted - examined),
          ExclusiveStartKey: startKey,
        }),
      );
      examined += out.ScannedCount ?? 0;
      for (const entry of out.Items ?? []) {
        counts.matching += 1;
        const position = sellerPositionOf(entry);
        if (position.startsWith(NO_DEADLINE)) continue;
        const due = position.slice(0, position.indexOf('#'));
        if (due < now) counts.overdue += 1;
        else if (due < inAnHour) counts.dueWithinHour += 1;
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined && examined < this.#maxCounted);
    return { ...counts, complete: startKey === undefined };
  }
}

type Condition = { expression: string; values: Record<string, string> };

/** Sort keys start with a four-digit year: these are the first and last instants they can hold. */
const FIRST_KEY_MS = Date.parse('0000-01-01T00:00:00.000Z');
const NO_DEADLINE_MS = Date.parse(NO_DEADLINE);

/**
 * The sort key bound for "deadline strictly before `ms`", or 'EMPTY' when no key can be.
 * Decided on the instant: outside years 0000-9999 an ISO string takes an expanded year
 * (`+010000-…`, `-000001-…`) that compares as text below every key, so an instant after the
 * last deadline would select nothing. Any instant from NO_DEADLINE on selects every case that
 * has a deadline, and never the cases without one.
 */
export function dueBeforeBound(ms: number): string | 'EMPTY' {
  if (!Number.isFinite(ms)) throw new RangeError('dueBefore must be a finite instant');
  if (ms <= FIRST_KEY_MS) return 'EMPTY';
  return ms >= NO_DEADLINE_MS ? NO_DEADLINE : new Date(ms).toISOString();
}

function filterExpression(filter: CaseListingFilter): (Condition & { names: Record<string, string> }) | undefined {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  function anyOf(path: string, list: readonly string[] | undefined, tag: string): void {
    if (list === undefined || list.length === 0) return;
    const keys = list.map((value, i) => {
      values[`:${tag}${i}`] = value;
      return `:${tag}${i}`;
    });
    clauses.push(`${path} IN (${keys.join(', ')})`);
  }
  if (filter.statuses?.length) names['#status'] = 'status';
  anyOf('#status', filter.statuses, 's');
  if (filter.reasons?.length) Object.assign(names, { '#listingSummary': 'listingSummary', '#reason': 'reason' });
  anyOf('#listingSummary.#reason', filter.reasons, 'r');
  if (filter.priorities?.length) names['#priority'] = 'priority';
  anyOf('#priority', filter.priorities, 'p');
  if (filter.assignees?.length || filter.unassigned === true) {
    names['#assignee'] = 'assignee';
    const before = clauses.length;
    anyOf('#assignee', filter.assignees, 'a');
    if (filter.unassigned === true) {
      const assigned = clauses.length > before ? clauses.pop() : undefined;
      clauses.push(assigned === undefined ? 'attribute_not_exists(#assignee)' : `(${assigned} OR attribute_not_exists(#assignee))`);
    }
  }
  if (clauses.length === 0) return undefined;
  return { expression: clauses.join(' AND '), names, values };
}
