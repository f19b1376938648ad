import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseTable } from '#infra/definitions.ts';
import { notificationAttemptKey, toCaseItem, toEventItem } from '#lib/adapters/dynamodb/table-schema.ts';
import type { CaseRecord, HistoryEvent } from '#lib/workflow/case.ts';
import { HISTORY_PAGE } from '#lib/use-cases/get-case.ts';
import { createSellerApi, type SellerApi } from '#test/support/seller-api-harness.ts';
import { documentClient } from '#test/support/engines.ts';
import { principal, seedCase } from '#test/support/staff-factory.ts';

/**
 * A case's history is read a page at a time, on DynamoDB Local: GET /cases/{id} carries the
 * newest events and a cursor, GET /cases/{id}/history the rest, so a case with any number of
 * events (every note, every notification attempt is one) never makes an answer bigger than a
 * Lambda may return. Every event comes back exactly once, in order; bad cursors and limits are
 * refused naming the field; another seller's case is 404 on both routes.
 */

const SELLER = 'seller-h';
const OTHER = 'seller-i';
const agent = principal(SELLER, 'agent');

let api: SellerApi;

beforeAll(async () => {
  api = await createSellerApi();
});

const key = (e: HistoryEvent) => `${e.version}#${e.seq}#${e.action}#${e.at}`;

/**
 * Grows a seeded case's history by `count` staff notes of `textBytes` characters each, written
 * straight to the table as the add-note command writes them (one event per version), and the
 * case's version moved to match. Far quicker than `count` API calls; the API-made case below
 * shows the same reads over events the commands wrote.
 */
async function growHistory(c: CaseRecord, count: number, textBytes = 40): Promise<CaseRecord> {
  const events: HistoryEvent[] = Array.from({ length: count }, (_, i) => ({
    caseId: c.caseId,
    version: c.version + 1 + i,
    seq: 0,
    at: new Date(Date.parse(c.updatedAt) + (i + 1) * 60_000).toISOString(),
    actor: { kind: 'STAFF', id: agent.userId, role: 'agent' },
    action: 'NOTE_ADDED',
    fromStatus: c.status,
    toStatus: c.status,
    details: { text: `note ${i} `.padEnd(textBytes, 'x') },
  }));
  for (let i = 0; i < events.length; i += 25) {
    const batch = events.slice(i, i + 25).map((e) => ({ PutRequest: { Item: toEventItem(e) } }));
    await documentClient().send(new BatchWriteCommand({ RequestItems: { [api.tableName]: batch } }));
  }
  const grown = { ...c, version: c.version + count, updatedAt: events.at(-1)?.at ?? c.updatedAt };
  await documentClient().send(new PutCommand({ TableName: api.tableName, Item: toCaseItem(grown) }));
  return grown;
}

/** Every page from GET /cases/{id}'s cursor to the oldest event, with each page's events. */
async function readOlderPages(caseId: string, cursor: string | null, limit?: number): Promise<HistoryEvent[][]> {
  const pages: HistoryEvent[][] = [];
  for (let next = cursor; next !== null; ) {
    const res = await api.call('history', {
      as: agent,
      caseId,
      query: { cursor: next, ...(limit === undefined ? {} : { limit: String(limit) }) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body.events);
    next = res.body.nextCursor;
    expect(pages.length).toBeLessThan(1_000);
  }
  return pages;
}

describe('GET /cases/{id}: the newest history and a cursor to the rest', () => {
  it('a short history comes whole, with no cursor (as before paging)', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER });
    const res = await api.call('get', { as: agent, caseId: c.caseId });
    expect(res.status).toBe(200);
    expect(res.body.history).toEqual(await api.store.getHistory(c.caseId));
    expect(res.body.olderHistoryCursor).toBeNull();
  });

  it('a case of 250 events: the newest 100, oldest first; the cursor pages back through every older event exactly once', async () => {
    const seeded = await seedCase(api.store, { sellerId: SELLER });
    await growHistory(seeded, 249);
    const all = await api.store.getHistory(seeded.caseId);
    expect(all.length).toBeGreaterThan(250);

    const res = await api.call('get', { as: agent, caseId: seeded.caseId });
    expect(res.status).toBe(200);
    expect(res.body.history).toHaveLength(HISTORY_PAGE.defaultLimit);
    expect(res.body.history).toEqual(all.slice(-HISTORY_PAGE.defaultLimit));
    expect(res.body.olderHistoryCursor).toEqual(expect.any(String));

    const pages = await readOlderPages(seeded.caseId, res.body.olderHistoryCursor);
    expect(pages.map((p) => p.length)).toEqual([100, all.length - 200]);
    // Pages go from newest to oldest; put back in order, with the first page, they are the history.
    const read = [...pages.reverse().flat(), ...res.body.history];
    expect(read.map(key)).toEqual(all.map(key));
    expect(new Set(read.map(key)).size).toBe(all.length);
  });

  it('a page also stops at about 1 MiB of events: 60 KB notes come back in pages under the budget, every one once', async () => {
    const seeded = await seedCase(api.store, { sellerId: SELLER });
    await growHistory(seeded, 40, 60_000);
    const all = await api.store.getHistory(seeded.caseId);

    const res = await api.call('get', { as: agent, caseId: seeded.caseId });
    expect(res.status).toBe(200);
    const bytes = (events: HistoryEvent[]) => Buffer.byteLength(JSON.stringify(events));
    expect(res.body.history.length).toBeLessThan(40);
    expect(res.body.history.length).toBeGreaterThan(1);
    expect(bytes(res.body.history)).toBeLessThanOrEqual(HISTORY_PAGE.maxBytes);
    // One more event would have passed the budget: the page is as full as it may be.
    expect(bytes(all.slice(-(res.body.history.length + 1)))).toBeGreaterThan(HISTORY_PAGE.maxBytes);

    const pages = await readOlderPages(seeded.caseId, res.body.olderHistoryCursor);
    for (const page of pages) expect(bytes(page)).toBeLessThanOrEqual(HISTORY_PAGE.maxBytes);
    expect([...pages.reverse().flat(), ...res.body.history].map(key)).toEqual(all.map(key));
  });
});

describe('GET /cases/{id}/history', () => {
  it('pages through a history the staff commands wrote, newest page first, with any limit', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER });
    let version = c.version;
    for (let i = 0; i < 12; i++) {
      const note = await api.call('note', { as: agent, caseId: c.caseId, ifMatch: version, body: { text: `call ${i}` } });
      expect(note.status, JSON.stringify(note.body)).toBe(200);
      version += 1;
    }
    const all = await api.store.getHistory(c.caseId);

    const first = await api.call('history', { as: agent, caseId: c.caseId, query: { limit: '5' } });
    expect(first.status).toBe(200);
    expect(first.body.events).toEqual(all.slice(-5));
    const rest = await readOlderPages(c.caseId, first.body.nextCursor, 5);
    expect(rest.slice(0, -1).every((p) => p.length === 5)).toBe(true);
    expect([...rest.reverse().flat(), ...first.body.events]).toEqual(all);

    // Without a limit: the default page, which here is all of it.
    const whole = await api.call('history', { as: agent, caseId: c.caseId });
    expect(whole.body).toEqual({ events: all, nextCursor: null });
  });

  it('a limit equal to the number of events: one page, no cursor to an empty one', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER });
    const all = await api.store.getHistory(c.caseId);
    const res = await api.call('history', { as: agent, caseId: c.caseId, query: { limit: String(all.length) } });
    expect(res.body).toEqual({ events: all, nextCursor: null });
  });

  it('bad limits and cursors are refused naming the field, and nothing is written', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER });
    const other = await seedCase(api.store, { sellerId: SELLER });
    await growHistory(other, 10);
    const otherCursor = (await api.call('history', { as: agent, caseId: other.caseId, query: { limit: '2' } })).body.nextCursor;
    expect(otherCursor).toEqual(expect.any(String));
    const forged = (p: unknown) => Buffer.from(JSON.stringify({ v: 'h1', c: c.caseId, p })).toString('base64url');
    const before = await api.itemCount();

    const cases: [Record<string, string>, string][] = [
      [{ limit: '0' }, 'limit'],
      [{ limit: String(HISTORY_PAGE.maxLimit + 1) }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ limit: '-1' }, 'limit'],
      [{ cursor: 'not a cursor' }, 'cursor'],
      [{ cursor: 'x'.repeat(600) }, 'cursor'],
      [{ cursor: otherCursor }, 'cursor'],
      // A cursor naming this case but a position that is not one of its history's: the case item, a held event.
      [{ cursor: forged('CASE') }, 'cursor'],
      [{ cursor: forged('HELD#001') }, 'cursor'],
      [{ cursor: forged('EVENT#1') }, 'cursor'],
      [{ cursor: forged(42) }, 'cursor'],
      [{ page: '2' }, 'page'],
    ];
    for (const [query, field] of cases) {
      const res = await api.call('history', { as: agent, caseId: c.caseId, query });
      expect(res.status, JSON.stringify({ query, body: res.body })).toBe(400);
      expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    }
    expect(await api.itemCount()).toBe(before);
  });

  it('a cursor may land on a notification delivery attempt (a history item of its own key shape)', async () => {
    const c = await seedCase(api.store, { sellerId: SELLER });
    const attempt = notificationAttemptKey(c.caseId, c.version, 0, 1);
    const position = attempt[caseTable.sortKey.name];
    const cursor = Buffer.from(JSON.stringify({ v: 'h1', c: c.caseId, p: position })).toString('base64url');
    const res = await api.call('history', { as: agent, caseId: c.caseId, query: { cursor } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Everything sorted before the attempt: the whole first write.
    expect(res.body.events).toEqual(await api.store.getHistory(c.caseId));
  });

  it('another seller’s case is 404 with or without a cursor, and its events never leave', async () => {
    const theirs = await seedCase(api.store, { sellerId: OTHER });
    await growHistory(theirs, 5);
    const theirCursor = (await api.call('history', { as: principal(OTHER, 'agent'), caseId: theirs.caseId, query: { limit: '1' } })).body
      .nextCursor;
    for (const query of [{}, { cursor: theirCursor }] as Record<string, string>[]) {
      const res = await api.call('history', { as: agent, caseId: theirs.caseId, query });
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('NOTE_ADDED');
    }
  });
});
