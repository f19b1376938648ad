import fc from 'fast-check';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseListing } from '#lib/adapters/dynamodb-case-listing.ts';
import { indexEntryAttributes, sellerDueIndex } from '#lib/adapters/dynamodb/table-schema.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { toCaseSummary } from '#lib/http/case-views.ts';
import { createSellerApi, type SellerApi } from '#test/support/seller-api-harness.ts';
import { documentClient, uniqueSuffix } from '#test/support/engines.ts';
import { principal, seedCase, type SeedShape } from '#test/support/staff-factory.ts';

/**
 * GET /cases paging over 250 cases of one seller, on DynamoDB Local: every case exactly
 * once, in due order, with filters, with a small read budget (short pages), and while more
 * cases arrive; cursors that were tampered with or belong to someone else are refused.
 */

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-11-06T09:00:00Z');

/** Every DynamoDB command the listing sends, by name and index. */
const sent: { command: string; index: string | undefined }[] = [];

function recordingClient(): DynamoDBDocumentClient {
  const real = documentClient();
  return new Proxy(real, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: { constructor: { name: string }; input: { IndexName?: string } }, ...rest: unknown[]) => {
        sent.push({ command: command.constructor.name, index: command.input.IndexName });
        return (real.send as (...args: unknown[]) => unknown)(command, ...rest);
      };
    },
  });
}

let api: SellerApi;
let budgetApi: SellerApi;

beforeAll(async () => {
  api = await createSellerApi({ listing: (table) => new DynamoDbCaseListing(recordingClient(), table) });
  // Same engine, a read budget of 30 items per request: filtered pages come back short.
  budgetApi = await createSellerApi({ listing: (table) => new DynamoDbCaseListing(documentClient(), table, { maxExamined: 30 }) });
});

/** A spread of cases: claim times over two months (so deadlines differ), a few shapes and reasons. */
async function seedSeller(target: SellerApi, sellerId: string, count: number, offset = 0): Promise<CaseRecord[]> {
  const shapes: SeedShape[] = ['NEEDS_REVIEW', 'AWAITING_APPROVAL', 'AWAITING_RETURN'];
  const reasons = ['PRODUCT_QUALITY_DEFECT', 'PRODUCT_WRONG_ITEM', 'LOGISTICS_DAMAGED_IN_TRANSIT'] as const;
  const made: CaseRecord[] = [];
  for (let start = 0; start < count; start += 25) {
    const batch = Array.from({ length: Math.min(25, count - start) }, (_, j) => {
      const i = start + j + offset;
      return seedCase(target.store, {
        sellerId,
        shape: shapes[i % shapes.length] ?? 'NEEDS_REVIEW',
        reason: reasons[(i * 7) % reasons.length] ?? 'PRODUCT_QUALITY_DEFECT',
        // Pseudo-random but fixed claim times; several cases share a deadline on purpose.
        claimedAt: new Date(T0 + ((i * 7919) % 60) * DAY_MS + (i % 3) * 3_600_000).toISOString(),
        urgent: i % 5 === 0,
        noDeadline: i % 23 === 0,
      });
    });
    made.push(...(await Promise.all(batch)));
  }
  return made;
}

const sortKey = (c: { dueAt?: string; caseId: string }) => `${c.dueAt ?? '9999-12-31T23:59:59.999Z'}#${c.caseId}`;

async function pageAll(
  target: SellerApi,
  sellerId: string,
  query: Record<string, string>,
  between?: (page: number) => Promise<void>,
): Promise<{ ids: string[]; keys: string[]; pages: number; sizes: number[] }> {
  const ids: string[] = [];
  const keys: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await target.call('list', {
      as: principal(sellerId, 'agent'),
      query: { ...query, ...(cursor === null ? {} : { cursor }) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const item of res.body.items) {
      ids.push(item.caseId);
      keys.push(sortKey(item));
    }
    sizes.push(res.body.items.length);
    cursor = res.body.nextCursor;
    pages += 1;
    if (pages > 500) throw new Error('paging does not end');
    await between?.(pages);
  } while (cursor !== null);
  return { ids, keys, pages, sizes };
}

describe('GET /cases pagination', () => {
  const seller = `pager-${uniqueSuffix()}`;
  let cases: CaseRecord[];

  beforeAll(async () => {
    cases = await seedSeller(api, seller, 250);
    // Another seller's cases live in the same index and never show up.
    await seedSeller(api, `${seller}-other`, 30);
  }, 120_000);

  it('pages over 250 cases: each exactly once, in due order, 25 per page by default, from the index only', async () => {
    sent.length = 0;
    const { ids, keys, pages, sizes } = await pageAll(api, seller, {});
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(cases.map((c) => c.caseId)));
    expect(keys).toEqual([...keys].sort());
    expect(pages).toBe(10);
    expect(sizes).toEqual(Array(10).fill(25));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((s) => s.command === 'QueryCommand' && s.index === sellerDueIndex.indexName)).toBe(true);
  });

  it('each listed case shows what the full case says, read from an index entry that holds a summary, not the case', async () => {
    const res = await api.call('list', { as: principal(seller, 'agent'), query: { limit: '100' } });
    expect(res.status).toBe(200);
    const byId = new Map(cases.map((c) => [c.caseId, c]));
    for (const item of res.body.items) expect(item).toEqual(toCaseSummary(byId.get(item.caseId) as CaseRecord));
    expect(res.body.items.some((i: { remedy?: string; refund?: unknown }) => i.remedy !== undefined && i.refund !== undefined)).toBe(true);

    const entries =
      (await documentClient().send(new ScanCommand({ TableName: api.tableName, IndexName: sellerDueIndex.indexName, Limit: 50 }))).Items ??
      [];
    expect(entries.length).toBe(50);
    const allowed = new Set(indexEntryAttributes(sellerDueIndex));
    for (const entry of entries) {
      expect(Object.keys(entry).filter((k) => !allowed.has(k))).toEqual([]);
      expect(JSON.stringify(entry).length).toBeLessThan(1_024);
    }
  });

  it.each([
    ['status', { status: 'NEEDS_REVIEW,DECIDED' }, (c: CaseRecord) => c.status === 'NEEDS_REVIEW' || c.status === 'DECIDED'],
    ['priority', { priority: 'URGENT' }, (c: CaseRecord) => c.priority === 'URGENT'],
    ['reason', { reason: 'PRODUCT_WRONG_ITEM' }, (c: CaseRecord) => c.return.reason === 'PRODUCT_WRONG_ITEM'],
    [
      'dueBefore',
      { dueBefore: '2026-11-30T00:00:00+00:00' },
      (c: CaseRecord) => c.dueAt !== undefined && c.dueAt < '2026-11-30T00:00:00.000Z',
    ],
    [
      'all of them',
      { status: 'AWAITING_RETURN', reason: 'PRODUCT_QUALITY_DEFECT,LOGISTICS_DAMAGED_IN_TRANSIT', dueBefore: '2026-12-20T00:00:00Z' },
      (c: CaseRecord) =>
        c.status === 'AWAITING_RETURN' &&
        c.return.reason !== 'PRODUCT_WRONG_ITEM' &&
        c.dueAt !== undefined &&
        c.dueAt < '2026-12-20T00:00:00.000Z',
    ],
  ] as const)('filter by %s: exactly the matching cases, in order, across pages of 7', async (_name, query, matches) => {
    const expected = cases.filter(matches).map((c) => c.caseId);
    expect(expected.length).toBeGreaterThan(3);
    expect(expected.length).toBeLessThan(cases.length);
    const { ids, keys } = await pageAll(api, seller, { ...query, limit: '7' });
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(expected));
    expect(keys).toEqual([...keys].sort());
  });

  it('stays exact when cases keep arriving while a client pages: every case that existed is seen once', async () => {
    const before = new Set(cases.map((c) => c.caseId));
    let added = 0;
    const { ids } = await pageAll(api, seller, { limit: '20' }, async (page) => {
      // New cases with deadlines before and after the client's position.
      const fresh = await seedSeller(api, seller, 6, 10_000 + page * 6);
      added += fresh.length;
    });
    expect(added).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of before) expect(ids.filter((x) => x === id)).toHaveLength(1);
  });
});

describe('short pages under a read budget', () => {
  const seller = `budget-${uniqueSuffix()}`;
  let cases: CaseRecord[];

  beforeAll(async () => {
    cases = await seedSeller(budgetApi, seller, 90);
  }, 120_000);

  it('a selective filter over a small budget returns short pages that still add up to exactly the matches', async () => {
    const expected = cases.filter((c) => c.priority === 'URGENT' && c.status === 'AWAITING_RETURN').map((c) => c.caseId);
    expect(expected.length).toBeGreaterThan(0);
    const { ids, sizes } = await pageAll(budgetApi, seller, { priority: 'URGENT', status: 'AWAITING_RETURN', limit: '25' });
    // Pages that were not the last came back short: the budget, not the end, stopped them.
    expect(sizes.slice(0, -1).some((n) => n < 25)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(expected));
  });
});

describe('cursors', () => {
  const seller = `cursor-${uniqueSuffix()}`;
  let first: { nextCursor: string };

  beforeAll(async () => {
    await seedSeller(api, seller, 12);
    const res = await api.call('list', {
      as: principal(seller, 'agent'),
      query: { limit: '5', status: 'NEEDS_REVIEW,DECIDED,AWAITING_RETURN' },
    });
    first = res.body;
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  function refusedCursor(res: { status: number; body: any }): void {
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ field: 'cursor', problem: expect.any(String) }]);
  }

  const query = { limit: '5', status: 'NEEDS_REVIEW,DECIDED,AWAITING_RETURN' };

  it('the same filters in another order accept it', async () => {
    const res = await api.call('list', {
      as: principal(seller, 'supervisor', 'supervisor-1'),
      query: { ...query, status: 'AWAITING_RETURN,DECIDED,NEEDS_REVIEW', cursor: first.nextCursor },
    });
    expect(res.status).toBe(200);
  });

  it('a tampered cursor is 400 naming cursor', async () => {
    const [body = '', mac = ''] = first.nextCursor.split('.');
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { p: string };
    const moved = Buffer.from(JSON.stringify({ ...decoded, p: `0000${decoded.p.slice(4)}` })).toString('base64url');
    const flip = (s: string) => `${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}${s.at(-1)}`;
    for (const tampered of [
      `${moved}.${mac}`,
      `${body}.${flip(mac)}`,
      `${flip(body)}.${mac}`,
      body,
      'garbage',
      `${body}.${mac}.x`,
      'a'.repeat(600),
    ]) {
      refusedCursor(await api.call('list', { as: principal(seller, 'agent'), query: { ...query, cursor: tampered } }));
    }
  });

  it("another seller's cursor is 400, and so is a cursor used with other filters", async () => {
    await seedSeller(api, `${seller}-x`, 3);
    refusedCursor(await api.call('list', { as: principal(`${seller}-x`, 'agent'), query: { ...query, cursor: first.nextCursor } }));
    refusedCursor(await api.call('list', { as: principal(seller, 'agent'), query: { limit: '5', cursor: first.nextCursor } }));
    refusedCursor(
      await api.call('list', { as: principal(seller, 'agent'), query: { ...query, priority: 'URGENT', cursor: first.nextCursor } }),
    );
  });

  it('limit above 100 or below 1 is 400 naming limit', async () => {
    for (const limit of ['101', '0', 'ten', '1.5']) {
      const res = await api.call('list', { as: principal(seller, 'agent'), query: { limit } });
      expect(res.status, limit).toBe(400);
      expect(res.body.issues[0].field).toBe('limit');
    }
    expect((await api.call('list', { as: principal(seller, 'agent'), query: { limit: '100' } })).status).toBe(200);
  });
});

describe('dueBefore is an instant, whatever offset it is written with', () => {
  const seller = `instants-${uniqueSuffix()}`;
  /** Sort keys hold years 0000-9999; cases without a deadline are keyed at the very last instant. */
  const FIRST_MS = Date.parse('0000-01-01T00:00:00.000Z');
  const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');
  const deadlines = [
    '0000-01-01T00:00:00.000Z',
    '0000-01-01T00:01:00.000Z',
    '2026-11-30T12:00:00.000Z',
    '9999-12-31T23:58:00.000Z',
    '9999-12-31T23:59:59.998Z',
  ];
  let cases: CaseRecord[];

  beforeAll(async () => {
    // Deadlines at both ends of what a key can hold, one ordinary one, and a case without any.
    const made = await Promise.all(deadlines.map(() => seedCase(api.store, { sellerId: seller, noDeadline: true })));
    cases = await Promise.all(
      made.map(async (c, i) => {
        const next = { ...c, version: c.version + 1, dueAt: deadlines[i] as string };
        await api.store.commit({ next, expectedVersion: c.version, events: [] });
        return next;
      }),
    );
    cases.push(await seedCase(api.store, { sellerId: seller, noDeadline: true }));
  });

  /** `instantMs` as local time at `offsetMinutes` from UTC, or undefined when that needs a year outside 0000-9999. */
  function written(instantMs: number, offsetMinutes: number): string | undefined {
    const localMs = instantMs + offsetMinutes * 60_000;
    if (localMs < FIRST_MS || localMs > LAST_MS) return undefined;
    const abs = Math.abs(offsetMinutes);
    const offset = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    return new Date(localMs).toISOString().replace('Z', offset);
  }

  const MINUTE = 60_000;
  const DAY = 1_440 * MINUTE;
  const near = (ms: number, within: number) => fc.integer({ min: ms - within, max: ms + within });
  const instants = fc.oneof(
    fc
      .constantFrom(...deadlines.map(Date.parse), FIRST_MS, LAST_MS)
      .chain((ms) => fc.oneof(near(ms, 2), near(ms, 2 * MINUTE), near(ms, 2 * DAY))),
    fc.integer({ min: FIRST_MS - 2 * DAY, max: LAST_MS + 2 * DAY }),
  );
  const offsets = fc.array(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), { minLength: 2, maxLength: 4 });

  it('lists exactly the cases whose deadline is before the instant, the same for every offset', async () => {
    await fc.assert(
      fc.asyncProperty(instants, offsets, async (instantMs, offsetList) => {
        const forms = offsetList.map((o) => written(instantMs, o)).filter((f): f is string => f !== undefined);
        fc.pre(forms.length > 0);
        const expected = cases
          .filter((c) => c.dueAt !== undefined && Date.parse(c.dueAt) < instantMs)
          .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1))
          .map((c) => c.caseId);
        for (const dueBefore of forms) {
          const res = await api.call('list', { as: principal(seller, 'agent'), query: { dueBefore, limit: '100' } });
          expect(res.status, dueBefore).toBe(200);
          expect(
            res.body.items.map((i: { caseId: string }) => i.caseId),
            dueBefore,
          ).toEqual(expected);
        }
      }),
      { numRuns: 150 },
    );
  });
});
