import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseListing } from '#lib/adapters/dynamodb-case-listing.ts';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { documentClient, uniqueSuffix } from '#test/support/engines.ts';
import { createSellerApi, type SellerApi } from '#test/support/seller-api-harness.ts';
import { principal, seedCase } from '#test/support/staff-factory.ts';

/**
 * GET /cases for a staff queue (#18): filter by assignee (`me`, `none`, a user id) and ask for
 * counts of every matching case (not only the page), with how many are overdue or due within
 * the hour, on DynamoDB Local.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const AGENTS = ['agent-1', 'agent-2'];

let api: SellerApi;
/** The same engine with a count budget of 5 entries. */
let budgetApi: SellerApi;
const seller = `queue-${uniqueSuffix()}`;
const cases: CaseRecord[] = [];
const assigneeOf = new Map<string, string>();

/** Milliseconds from claim to the first deadline for a case with no evidence (read, not assumed). */
async function firstResponseOffset(): Promise<number> {
  const probe = await seedCase(api.store, { sellerId: `probe-${uniqueSuffix()}` });
  if (probe.dueAt === undefined) throw new Error('a new case has a deadline');
  return Date.parse(probe.dueAt) - Date.parse(probe.return.timeline.claimedAt);
}

beforeAll(async () => {
  api = await createSellerApi({ staff: { [seller]: [...AGENTS, 'supervisor-1'] } });
  budgetApi = await createSellerApi({ listing: (table) => new DynamoDbCaseListing(documentClient(), table, { maxCounted: 5 }) });
  const offset = await firstResponseOffset();
  const now = Date.now();
  // Deadlines far from every boundary: days overdue, due in 30 minutes, due in 5 hours or more.
  const dueIn = (ms: number) => new Date(now - offset + ms).toISOString();
  const plan = [
    ...Array.from({ length: 5 }, (_, i) => dueIn(-(i + 2) * DAY_MS)),
    ...Array.from({ length: 3 }, () => dueIn(30 * 60_000)),
    ...Array.from({ length: 6 }, (_, i) => dueIn((5 + i) * HOUR_MS)),
  ];
  for (const [i, claimedAt] of plan.entries()) {
    cases.push(await seedCase(api.store, { sellerId: seller, claimedAt, noDeadline: i === plan.length - 1 }));
  }
  // Another seller's cases are never counted.
  await seedCase(api.store, { sellerId: `${seller}-other`, claimedAt: dueIn(-DAY_MS) });

  // Every third case to agent-1, every third to agent-2, the rest unassigned.
  for (const [i, c] of cases.entries()) {
    const assignee = i % 3 === 0 ? undefined : AGENTS[i % 3 === 1 ? 0 : 1];
    if (assignee === undefined) continue;
    const res = await api.call('assign', { as: principal(seller, 'supervisor'), caseId: c.caseId, ifMatch: c.version, body: { assignee } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    assigneeOf.set(c.caseId, assignee);
  }
}, 120_000);

/** Every case id a query lists, over all its pages. */
async function listAll(as: ReturnType<typeof principal>, query: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.call('list', { as, query: { ...query, limit: '4', ...(cursor === null ? {} : { cursor }) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.items.map((i: { caseId: string }) => i.caseId));
    cursor = res.body.nextCursor;
  } while (cursor !== null);
  return ids.sort();
}

/** What the counts should say of these cases, judged at `now`. */
function expectedCounts(of: CaseRecord[], now: number) {
  const due = of.filter((c) => c.dueAt !== undefined).map((c) => Date.parse(c.dueAt as string));
  return {
    matching: of.length,
    overdue: due.filter((d) => d < now).length,
    dueWithinHour: due.filter((d) => d >= now && d < now + HOUR_MS).length,
    complete: true,
  };
}

const ids = (of: CaseRecord[]) => of.map((c) => c.caseId).sort();

describe('GET /cases?assignee=', () => {
  it('`me` lists exactly the caller’s cases, over every page', async () => {
    const mine = cases.filter((c) => assigneeOf.get(c.caseId) === 'agent-1');
    expect(mine.length).toBeGreaterThan(2);
    expect(await listAll(principal(seller, 'agent', 'agent-1'), { assignee: 'me' })).toEqual(ids(mine));
  });

  it('`none` lists the cases nobody holds; a user id lists that user’s; both together list either', async () => {
    const as = principal(seller, 'agent', 'agent-1');
    const unassigned = cases.filter((c) => !assigneeOf.has(c.caseId));
    const theirs = cases.filter((c) => assigneeOf.get(c.caseId) === 'agent-2');
    expect(unassigned.length).toBeGreaterThan(2);
    expect(await listAll(as, { assignee: 'none' })).toEqual(ids(unassigned));
    expect(await listAll(as, { assignee: 'agent-2' })).toEqual(ids(theirs));
    expect(await listAll(as, { assignee: 'agent-2,none' })).toEqual(ids([...unassigned, ...theirs]));
  });

  it('combines with the other filters', async () => {
    const as = principal(seller, 'agent', 'agent-2');
    const expected = cases.filter((c) => assigneeOf.get(c.caseId) === 'agent-2' && c.status === 'NEEDS_REVIEW');
    expect(expected.length).toBeGreaterThan(0);
    expect(await listAll(as, { assignee: 'me', status: 'NEEDS_REVIEW' })).toEqual(ids(expected));
    expect(await listAll(as, { assignee: 'me', status: 'DECIDED' })).toEqual([]);
  });

  it('a cursor issued for one assignee filter is refused for another (400 naming cursor)', async () => {
    const as = principal(seller, 'agent', 'agent-1');
    const first = await api.call('list', { as, query: { assignee: 'none', limit: '1' } });
    expect(first.body.nextCursor).not.toBeNull();
    const other = await api.call('list', { as, query: { assignee: 'me', limit: '1', cursor: first.body.nextCursor } });
    expect(other.status).toBe(400);
    expect(JSON.stringify(other.body)).toContain('cursor');
  });
});

describe('GET /cases?counts=true', () => {
  it('counts every matching case, not only the page: overdue, due within the hour, the seller’s own only', async () => {
    const before = Date.now();
    const res = await api.call('list', { as: principal(seller, 'agent'), query: { counts: 'true', limit: '2' } });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
    expect(res.body.counts).toEqual(expectedCounts(cases, before));
    expect(res.body.counts).toMatchObject({ matching: 14, overdue: 5, dueWithinHour: 3 });
  });

  it('counts under the same filters as the page', async () => {
    const before = Date.now();
    const res = await api.call('list', { as: principal(seller, 'agent', 'agent-1'), query: { counts: 'true', assignee: 'me,none' } });
    const expected = cases.filter((c) => assigneeOf.get(c.caseId) !== 'agent-2');
    expect(res.body.counts).toEqual(expectedCounts(expected, before));
  });

  it('without counts=true the answer has no counts (and no second read)', async () => {
    const res = await api.call('list', { as: principal(seller, 'agent'), query: { counts: 'false' } });
    expect(res.status).toBe(200);
    expect(res.body.counts).toBeUndefined();
  });

  it('a count that stops at its read budget says so: complete false, numbers as lower bounds', async () => {
    const budgetSeller = `budget-${uniqueSuffix()}`;
    for (let i = 0; i < 8; i += 1) await seedCase(budgetApi.store, { sellerId: budgetSeller });
    const res = await budgetApi.call('list', { as: principal(budgetSeller, 'agent'), query: { counts: 'true' } });
    expect(res.status).toBe(200);
    expect(res.body.counts.complete).toBe(false);
    expect(res.body.counts.matching).toBeGreaterThanOrEqual(5);
    expect(res.body.counts.matching).toBeLessThan(8);
  });
});

describe('bad queue parameters get a 400 naming the parameter', () => {
  it.each([
    ['counts', { counts: 'yes' }],
    ['assignee', { assignee: '' }],
    ['assignee', { assignee: 'agent 1' }],
    ['assignee', { assignee: Array.from({ length: 21 }, (_, i) => `a${i}`).join(',') }],
  ])('%s = %j', async (field, query) => {
    const res = await api.call('list', { as: principal(seller, 'agent'), query });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(field);
  });
});
