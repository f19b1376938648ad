import fc from 'fast-check';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CaseRecord } from '#lib/workflow/case.ts';
import { logger } from '#lib/observability.ts';
import { createSellerApi, type SellerApi } from '#test/support/seller-api-harness.ts';
import { principal, roles, seedCase, type SeedShape, type StaffRouteName, type TestPrincipal } from '#test/support/staff-factory.ts';

/**
 * The seller staff API through its real middy chains against DynamoDB Local and fauxqs:
 * who may do what to whose cases, what each action records, and how bad input is refused.
 */

const SELLER = 'seller-a';
const OTHER = 'seller-b';

let api: SellerApi;

beforeAll(async () => {
  api = await createSellerApi({
    staff: { [SELLER]: ['agent-1', 'agent-2', 'supervisor-1', 'manager-1'], [OTHER]: ['agent-9'] },
  });
});

const seed = (sellerId = SELLER, shape: SeedShape = 'NEEDS_REVIEW') => seedCase(api.store, { sellerId, shape });

/** A valid request for each write, as the given principal would send it. */
function validBody(route: StaffRouteName, as: TestPrincipal): unknown {
  switch (route) {
    case 'evidence':
      return { evidence: [{ kind: 'PACKAGING_PHOTO', finding: 'INTACT' }] };
    case 'approve':
      return {};
    case 'override':
      return { remedy: 'PARTIAL_REFUND', reason: 'Goodwill after a call with the buyer', amount: 5_000 };
    case 'note':
      return { text: 'Called the buyer, parcel photos promised for tomorrow' };
    case 'assign':
      return { assignee: as.role === 'agent' ? as.userId : 'agent-2' };
    default:
      return undefined;
  }
}

const writes = ['evidence', 'approve', 'override', 'note', 'assign'] as const;
const endpoints: readonly StaffRouteName[] = ['list', 'get', 'history', ...writes];

describe('authorisation matrix: every endpoint × role × own / other seller / no token', () => {
  type Who = 'own' | 'other' | 'none';
  const cells = endpoints.flatMap((route) =>
    roles.flatMap((role) => (['own', 'other', 'none'] as Who[]).map((who) => ({ route, role, who }))),
  );

  /** What each cell must answer. */
  function expected(route: StaffRouteName, role: string, who: Who): number {
    if (who === 'none') return 401;
    if (route === 'override' && role === 'agent') return 403; // the role check comes before any lookup
    if (who === 'other') return route === 'list' ? 200 : 404;
    return 200;
  }

  it.each(cells)('$route as $role, $who', async ({ route, role, who }) => {
    const caller = principal(SELLER, role);
    const target = await seed(who === 'other' ? OTHER : SELLER);
    // Staff writes only ever touch the case's own partition (case, history, outbox).
    const before = await api.partitionCount(target.caseId);
    const res = await api.call(route, {
      as: who === 'none' ? null : caller,
      caseId: target.caseId,
      ifMatch: target.version,
      ...(route === 'list' ? { query: { limit: '100' } } : {}),
      ...(validBody(route, caller) === undefined ? {} : { body: validBody(route, caller) }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(expected(route, role, who));

    if (res.status === 401) expect(res.body.code).toBe('UNAUTHENTICATED');
    if (res.status === 403) expect(res.body.code).toBe('FORBIDDEN');
    if (res.status === 404) expect(res.body.detail).toContain(target.caseId);
    if (route === 'list' && res.status === 200) {
      const sellers = new Set((res.body.items as { caseId: string }[]).map((i) => i.caseId));
      // The caller's own listing never shows another seller's case; its own case is there.
      expect(sellers.has(target.caseId)).toBe(who === 'own');
    }
    const wrote = (writes as readonly string[]).includes(route) && res.status === 200;
    if (!wrote) expect(await api.partitionCount(target.caseId)).toBe(before);
    if (wrote) {
      expect(res.headers.etag).toBe(`"${target.version + 1}"`);
      const history = await api.store.getHistory(target.caseId);
      const mine = history.filter((e) => e.version === target.version + 1);
      expect(mine.length).toBeGreaterThan(0);
      for (const e of mine) expect(e.actor).toEqual({ kind: 'STAFF', id: caller.userId, role });
    }
  });

  it('a token that names no seller, or no known role, is refused with a clear 403', async () => {
    const target = await seed();
    const claims = { sub: 'agent-1', 'cognito:groups': '[agent]' };
    const noSeller = await api.call('get', { as: null, claims, caseId: target.caseId });
    expect(noSeller.status).toBe(403);
    expect(noSeller.body.detail).toContain('custom:sellerId');
    const noRole = await api.call('get', {
      as: null,
      claims: { sub: 'u', 'custom:sellerId': SELLER, 'cognito:groups': '[admins]' },
      caseId: target.caseId,
    });
    expect(noRole.status).toBe(403);
    expect(noRole.body.detail).toContain('cognito:groups');
    const badRole = await api.call('get', {
      as: null,
      claims: { sub: 'u', 'custom:sellerId': SELLER, 'custom:role': 'owner' },
      caseId: target.caseId,
    });
    expect(badRole.status).toBe(403);
    expect(badRole.body.detail).toContain('custom:role');
  });

  it('the seller comes from the token only: a sellerId in the query or body changes nothing', async () => {
    const theirs = await seed(OTHER);
    const list = await api.call('list', { as: principal(SELLER, 'agent'), query: { sellerId: OTHER } as Record<string, string> });
    expect(list.status).toBe(400);
    expect(list.body.issues[0].field).toBe('sellerId');
    const note = await api.call('note', {
      as: principal(SELLER, 'manager'),
      caseId: theirs.caseId,
      ifMatch: 1,
      body: { text: 'x', sellerId: OTHER },
    });
    expect(note.status).toBe(400);
    const plain = await api.call('note', { as: principal(SELLER, 'manager'), caseId: theirs.caseId, ifMatch: 1, body: { text: 'x' } });
    expect(plain.status).toBe(404);
  });
});

describe('GET /cases/{id}', () => {
  it('shows facts, decision with allocation, confidence, remedy and trace, refund, ledger and history, with the version as ETag', async () => {
    const c = await seed(SELLER, 'REFUND_PENDING');
    const res = await api.call('get', { as: principal(SELLER, 'agent'), caseId: c.caseId });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    const { case: shown, readableTrace, history } = res.body;
    expect(shown).toMatchObject({
      caseId: c.caseId,
      sellerId: SELLER,
      status: 'REFUND_PENDING',
      version: 1,
      return: { reason: 'PRODUCT_QUALITY_DEFECT' },
    });
    expect(shown.decision.allocation).toMatchObject({ kind: 'FAULT', dominant: 'seller' });
    expect(shown.decision.confidence).toBeGreaterThan(0.5);
    expect(shown.decision.remedy).toBe('RETURN_AND_REFUND');
    expect(shown.refund).toMatchObject({ status: 'PENDING', amount: 39_900, currency: 'CNY' });
    expect(shown.ledger.find((l: { kind: string }) => l.kind === 'BUYER_REFUND')).toMatchObject({ amount: 39_900, paidBy: 'SELLER' });
    expect(readableTrace.length).toBeGreaterThan(0);
    expect(readableTrace.every((t: { explanation: string }) => t.explanation.length > 0)).toBe(true);
    // The caller's own refund limit in the case's currency, from the seller's policy (#18).
    expect(res.body.yourAuthority).toEqual({ role: 'agent', refundLimit: defaultPolicy.authorityLimits.CNY?.agent, currency: 'CNY' });
    const asManager = await api.call('get', { as: principal(SELLER, 'manager'), caseId: c.caseId });
    expect(asManager.body.yourAuthority).toEqual({ role: 'manager', refundLimit: 5_000_000, currency: 'CNY' });
    expect(history.map((e: { action: string }) => e.action)).toEqual([
      'CASE_RECEIVED',
      'DECISION_MADE',
      'REFUND_HELD',
      'RETURN_LEG_RECORDED',
      'REFUND_RELEASED',
      'REFUND_DUE',
    ]);
    // The return parcel and the release are shown with the refund.
    expect(shown.returnLeg).toMatchObject({ carrier: 'sf-express', trackingNumber: 'SFRET0001', receivedAt: expect.any(String) });
    expect(shown.refund.release).toMatchObject({ mode: 'ON_RECEIPT' });
  });

  it('404 for an unknown case, 400 naming `id` for a malformed one', async () => {
    const unknown = await api.call('get', { as: principal(SELLER, 'agent'), caseId: `cs_${'0'.repeat(24)}` });
    expect(unknown.status).toBe(404);
    const malformed = await api.call('get', { as: principal(SELLER, 'agent'), caseId: 'not-a-case' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues).toEqual([{ field: 'id', problem: expect.any(String) }]);
  });
});

describe('POST /cases/{id}/evidence', () => {
  it('records the evidence as SELLER, decides again, records the new decision and holds the refund it makes due for the goods', async () => {
    const c = await seed(SELLER, 'NEEDS_REVIEW');
    await api.queuedRefunds();
    const res = await api.call('evidence', {
      as: principal(SELLER, 'agent'),
      caseId: c.caseId,
      ifMatch: 1,
      body: {
        evidence: [
          { kind: 'PACKAGING_PHOTO', finding: 'INTACT' },
          { id: 'seller-photo-2', kind: 'PRODUCT_PHOTO', finding: 'DEFECTIVE', uri: 'https://files.example/p2.jpg' },
        ],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.case).toMatchObject({ status: 'AWAITING_RETURN', version: 2, decisionCount: 2, refund: { status: 'HELD' } });
    expect(res.body.case.staffEvidence).toEqual([
      expect.objectContaining({ id: 'staff-2-1', kind: 'PACKAGING_PHOTO', submittedBy: 'SELLER' }),
      expect.objectContaining({ id: 'seller-photo-2', kind: 'PRODUCT_PHOTO', submittedBy: 'SELLER' }),
    ]);
    expect(res.body.events.map((e: { action: string }) => e.action)).toEqual(['EVIDENCE_ADDED', 'DECISION_MADE', 'REFUND_HELD']);
    expect(res.body.refund).toBeUndefined();
    const history = await api.store.getHistory(c.caseId);
    expect(history.filter((e) => e.action === 'DECISION_MADE').map((e) => e.version)).toEqual([1, 2]);
    // Held, not queued: nothing on the queue until the goods are back.
    expect(await api.queuedRefunds()).toEqual([]);
  });

  it('refuses a request that claims who submitted the evidence (400 naming the field)', async () => {
    const c = await seed();
    const res = await api.call('evidence', {
      as: principal(SELLER, 'agent'),
      caseId: c.caseId,
      ifMatch: 1,
      body: { evidence: [{ kind: 'PACKAGING_PHOTO', finding: 'INTACT', submittedBy: 'BUYER' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ field: 'evidence.0.submittedBy', problem: 'is not a known field' }]);
  });

  it('keeps evidence but not the decision once a refund is pending; 409 for a repeated id', async () => {
    const c = await seed(SELLER, 'REFUND_PENDING');
    const kept = await api.call('evidence', {
      as: principal(SELLER, 'agent'),
      caseId: c.caseId,
      ifMatch: 1,
      body: { evidence: [{ id: 'x1', kind: 'SERIAL_CHECK', finding: 'MATCH' }] },
    });
    expect(kept.status).toBe(200);
    expect(kept.body.case).toMatchObject({ status: 'REFUND_PENDING', decisionCount: 1 });
    expect(kept.body.events.map((e: { action: string }) => e.action)).toEqual(['EVIDENCE_ADDED']);
    const again = await api.call('evidence', {
      as: principal(SELLER, 'agent'),
      caseId: c.caseId,
      ifMatch: 2,
      body: { evidence: [{ id: 'x1', kind: 'SERIAL_CHECK', finding: 'MATCH' }] },
    });
    expect(again.status).toBe(409);
  });
});

describe('approve and override', () => {
  it('an agent approving a refund above the agent limit gets 403 naming the limit, and nothing is written', async () => {
    const c = await seed(SELLER, 'AWAITING_APPROVAL');
    const before = await api.itemCount();
    const res = await api.call('approve', { as: principal(SELLER, 'agent'), caseId: c.caseId, ifMatch: 1 });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('AUTHORITY_EXCEEDED');
    expect(res.body.detail).toContain('Refund CNY 999.00 exceeds the agent limit of CNY 500.00');
    expect(res.body.detail).toContain('supervisor');
    expect(await api.itemCount()).toBe(before);
  });

  it('a supervisor within the limit approves a return and refund: held for the goods (AWAITING_RETURN, REFUND_HELD), nothing queued', async () => {
    const c = await seed(SELLER, 'AWAITING_APPROVAL');
    await api.queuedRefunds();
    const res = await api.call('approve', {
      as: principal(SELLER, 'supervisor'),
      caseId: c.caseId,
      ifMatch: 1,
      body: { comment: 'photos convincing' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.case).toMatchObject({
      status: 'AWAITING_RETURN',
      refund: { amount: 99_900, status: 'HELD', release: { mode: 'ON_RECEIPT' } },
      resolution: { kind: 'APPROVED', remedy: 'RETURN_AND_REFUND', amount: 99_900 },
    });
    expect(res.body.events.map((e: { action: string }) => e.action)).toEqual(['DECISION_APPROVED', 'REFUND_HELD']);
    expect(res.body.refund).toBeUndefined();
    expect(await api.queuedRefunds()).toEqual([]);
    // Held: no outbox record either.
    expect(
      (await api.store.listPendingOutbox({ olderThan: '9999-01-01T00:00:00Z', limit: 1000 })).filter((o) => o.caseId === c.caseId),
    ).toEqual([]);
  });

  it('approving twice: the second is 409 (nothing waits for approval any more)', async () => {
    const c = await seed(SELLER, 'NEEDS_REVIEW');
    expect((await api.call('approve', { as: principal(SELLER, 'agent'), caseId: c.caseId, ifMatch: 1 })).status).toBe(200);
    const again = await api.call('approve', { as: principal(SELLER, 'agent'), caseId: c.caseId, ifMatch: 2 });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ILLEGAL_TRANSITION');
  });

  it('override: a reason is required, money needs an amount never above the amount paid, within authority', async () => {
    const c = await seed(SELLER, 'NEEDS_REVIEW');
    const as = principal(SELLER, 'supervisor');
    const call = (body: unknown) => api.call('override', { as, caseId: c.caseId, ifMatch: 1, body });
    const fieldsOf = (res: { body: any }) => (res.body.issues ?? []).map((i: { field: string }) => i.field);

    expect(fieldsOf(await call({ remedy: 'FULL_REFUND', amount: 100 }))).toEqual(['reason']);
    expect(fieldsOf(await call({ remedy: 'FULL_REFUND', reason: 'buyer waited too long' }))).toEqual(['amount']);
    expect(fieldsOf(await call({ remedy: 'REJECT', reason: 'fraud', amount: 100 }))).toEqual(['amount']);
    expect(fieldsOf(await call({ remedy: 'MANUAL_REVIEW', reason: 'not sure' }))).toEqual(['remedy']);
    const tooMuch = await call({ remedy: 'FULL_REFUND', reason: 'buyer waited too long', amount: 39_901 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.issues).toEqual([{ field: 'amount', problem: 'must not exceed the amount paid (CNY 399.00)' }]);

    const ok = await call({ remedy: 'PARTIAL_REFUND', reason: 'Buyer keeps the item; compensation agreed', amount: 2_000 });
    expect(ok.status).toBe(200);
    expect(ok.body.case).toMatchObject({
      status: 'REFUND_PENDING',
      refund: { amount: 2_000 },
      resolution: { kind: 'OVERRIDDEN', remedy: 'PARTIAL_REFUND', amount: 2_000 },
    });
    expect(ok.body.case.ledger).toEqual([expect.objectContaining({ kind: 'BUYER_REFUND', amount: 2_000 })]);
    const overridden = ok.body.events[0];
    expect(overridden).toMatchObject({
      action: 'DECISION_OVERRIDDEN',
      details: { reason: 'Buyer keeps the item; compensation agreed', previous: { remedy: 'MANUAL_REVIEW' } },
    });
    // Money is moving: no further override.
    expect(
      (await api.call('override', { as, caseId: c.caseId, ifMatch: 2, body: { remedy: 'REJECT', reason: 'changed my mind' } })).status,
    ).toBe(409);
  });

  it('a supervisor overriding above the supervisor limit gets 403 naming it; rejecting needs no money', async () => {
    const big = await seedCase(api.store, { sellerId: SELLER, shape: 'AWAITING_APPROVAL' });
    // CNY 999.00 paid; the supervisor limit is CNY 5000.00, so use a case paid more than that.
    const c = (await api.store.getCase(big.caseId)) as CaseRecord;
    await api.store.commit({
      next: { ...c, version: 2, return: { ...c.return, money: { ...c.return.money, amountPaid: 900_000, itemValue: 900_000 } } },
      expectedVersion: 1,
      events: [],
    });
    const over = await api.call('override', {
      as: principal(SELLER, 'supervisor'),
      caseId: c.caseId,
      ifMatch: 2,
      body: { remedy: 'FULL_REFUND', reason: 'total loss', amount: 600_000 },
    });
    expect(over.status).toBe(403);
    expect(over.body.detail).toContain('exceeds the supervisor limit of CNY 5000.00');
    const manager = await api.call('override', {
      as: principal(SELLER, 'manager'),
      caseId: c.caseId,
      ifMatch: 2,
      body: { remedy: 'FULL_REFUND', reason: 'total loss', amount: 600_000 },
    });
    expect(manager.status).toBe(200);

    const other = await seed(SELLER, 'NEEDS_REVIEW');
    const reject = await api.call('override', {
      as: principal(SELLER, 'supervisor'),
      caseId: other.caseId,
      ifMatch: 1,
      body: { remedy: 'REJECT', reason: 'serial number does not match our shipment' },
    });
    expect(reject.status).toBe(200);
    expect(reject.body.case).toMatchObject({ status: 'REJECTED', resolution: { kind: 'OVERRIDDEN', remedy: 'REJECT' } });
    expect(reject.body.case.refund).toBeUndefined();
  });
});

describe('If-Match', () => {
  it('missing → 428, stale → 412, malformed → 400 naming If-Match; none of them writes', async () => {
    const c = await seed();
    const as = principal(SELLER, 'agent');
    const before = await api.itemCount();
    const missing = await api.call('note', { as, caseId: c.caseId, body: { text: 'hello' } });
    expect(missing.status).toBe(428);
    expect(missing.body.code).toBe('PRECONDITION_REQUIRED');
    const stale = await api.call('note', { as, caseId: c.caseId, ifMatch: 7, body: { text: 'hello' } });
    expect(stale.status).toBe(412);
    expect(stale.body.detail).toContain('version 1');
    for (const bad of ['*', 'W/"1"', '"1", "2"', '"abc"', '"0"']) {
      const res = await api.call('note', { as, caseId: c.caseId, ifMatch: bad, body: { text: 'hello' } });
      expect(res.status, bad).toBe(400);
      expect(res.body.issues).toEqual([{ field: 'If-Match', problem: expect.any(String) }]);
    }
    expect(await api.itemCount()).toBe(before);
    expect((await api.call('note', { as, caseId: c.caseId, ifMatch: '1', body: { text: 'hello' } })).status).toBe(200);
  });
});

describe('Content-Type of staff writes', () => {
  it.each(writes)(
    'POST %s: 415 for a body not declared UTF-8 JSON, nothing written; JSON with charset=utf-8 is accepted',
    async (route) => {
      const c = await seed();
      const as = principal(SELLER, 'manager');
      const body = validBody(route, as);
      const before = await api.partitionCount(c.caseId);
      for (const contentType of [null, 'application/json-seq', 'application/json; charset=utf-16']) {
        const res = await api.call(route, { as, caseId: c.caseId, ifMatch: c.version, body, headers: { 'content-type': contentType } });
        expect(res.status, String(contentType)).toBe(415);
        expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: expect.stringContaining('Content-Type') });
      }
      expect(await api.partitionCount(c.caseId)).toBe(before);
      const accepted = await api.call(route, {
        as,
        caseId: c.caseId,
        ifMatch: c.version,
        body,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    },
  );
});

describe('notes and assignment', () => {
  it('a note lands in the history with its author, and its text never reaches the logs', async () => {
    const c = await seed();
    const secret = 'Buyer Jane Roe, +86 138 0000 0000, prefers calls after 6pm';
    // Everything handed to the logger, whatever the level it would print at.
    const lines: string[] = [];
    const spies = (['debug', 'info', 'warn', 'error', 'critical'] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
        lines.push(JSON.stringify(args, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)));
      }),
    );
    try {
      const res = await api.call('note', { as: principal(SELLER, 'agent'), caseId: c.caseId, ifMatch: 1, body: { text: secret } });
      expect(res.status).toBe(200);
      const override = await api.call('override', {
        as: principal(SELLER, 'manager'),
        caseId: c.caseId,
        ifMatch: 2,
        body: { remedy: 'REJECT', reason: secret },
      });
      expect(override.status).toBe(200);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(lines.join('')).toContain('staff action recorded');
    expect(lines.join('')).not.toContain('Jane Roe');
    const history = await api.store.getHistory(c.caseId);
    expect(history.find((e) => e.action === 'NOTE_ADDED')).toMatchObject({
      details: { text: secret },
      actor: { kind: 'STAFF', id: 'agent-1', role: 'agent' },
    });
  });

  it('agents take unassigned cases for themselves and release their own; supervisors assign anyone of the seller', async () => {
    const c = await seed();
    const agent = principal(SELLER, 'agent');
    const other = principal(SELLER, 'agent', 'agent-2');
    const assign = (as: TestPrincipal, ifMatch: number, assignee: string | null) =>
      api.call('assign', { as, caseId: c.caseId, ifMatch, body: { assignee } });

    expect((await assign(agent, 1, 'agent-2')).status).toBe(403);
    const taken = await assign(agent, 1, 'agent-1');
    expect(taken.status).toBe(200);
    expect(taken.body.case.assignee).toBe('agent-1');
    expect((await assign(other, 2, 'agent-2')).status).toBe(403); // held by agent-1
    expect((await assign(other, 2, null)).status).toBe(403); // not theirs to release
    const released = await assign(agent, 2, null);
    expect(released.status).toBe(200);
    expect(released.body.case.assignee).toBeUndefined();
    const handed = await assign(principal(SELLER, 'supervisor'), 3, 'agent-2');
    expect(handed.status).toBe(200);
    expect(handed.body.events[0]).toMatchObject({ action: 'CASE_ASSIGNED', details: { assignee: 'agent-2', previousAssignee: null } });

    // Another seller's staff member, and nobody at all, are refused alike.
    for (const stranger of ['agent-9', 'nobody']) {
      const res = await assign(principal(SELLER, 'manager'), 4, stranger);
      expect(res.status).toBe(400);
      expect(res.body.issues).toEqual([{ field: 'assignee', problem: 'is not a staff member of your seller' }]);
    }
  });
});

describe('bad input: never 5xx, the field named, nothing written', () => {
  it.each([
    ['note', 'text', { text: 'Called the buyer \ud800' }],
    ['override', 'reason', { remedy: 'REJECT', reason: 'Photos \udc00 contradict the claim' }],
    ['approve', 'comment', { comment: 'OK \ud83d' }],
  ] as const)(
    '%s: free text with an unpaired surrogate (no UTF-8 spelling, so not storable as sent) is 400 naming %s',
    async (route, field, body) => {
      const c = await seed();
      const before = await api.itemCount();
      const res = await api.call(route, { as: principal(SELLER, 'manager'), caseId: c.caseId, ifMatch: c.version, body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.issues).toEqual([{ field, problem: expect.stringContaining('well-formed') }]);
      expect(await api.itemCount()).toBe(before);
    },
  );

  const anyJson = fc.oneof(
    fc.jsonValue(),
    fc.anything().map((v) => {
      try {
        return JSON.parse(JSON.stringify(v) ?? 'null');
      } catch {
        return null;
      }
    }),
  );
  const bodies: Record<(typeof writes)[number], fc.Arbitrary<unknown>> = {
    evidence: fc.oneof(
      anyJson,
      fc.record({
        evidence: fc.array(
          fc.record(
            {
              kind: fc.constantFrom('PACKAGING_PHOTO', 'PRODUCT_PHOTO', 'X'),
              finding: fc.oneof(fc.string(), fc.constantFrom('INTACT', 'DEFECTIVE')),
              id: fc.oneof(fc.string(), fc.constant(undefined)),
              uri: fc.oneof(fc.webUrl(), fc.string(), fc.constant(undefined)),
            },
            { requiredKeys: ['kind'] },
          ),
          { maxLength: 25 },
        ),
      }),
    ),
    approve: fc.oneof(anyJson, fc.record({ comment: fc.oneof(fc.string({ maxLength: 1_200 }), fc.integer()) })),
    override: fc.oneof(
      anyJson,
      fc.record(
        {
          remedy: fc.oneof(fc.constantFrom('FULL_REFUND', 'PARTIAL_REFUND', 'REJECT', 'RESHIP', 'MANUAL_REVIEW'), fc.string()),
          reason: fc.string({ maxLength: 1_100 }),
          amount: fc.oneof(fc.integer(), fc.double(), fc.string()),
        },
        { requiredKeys: [] },
      ),
    ),
    note: fc.oneof(
      anyJson,
      fc.record({ text: fc.oneof(fc.string({ maxLength: 2_100 }), fc.constant(' '.repeat(5)), fc.integer()) }, { requiredKeys: [] }),
    ),
    assign: fc.oneof(anyJson, fc.record({ assignee: fc.oneof(fc.string(), fc.constant(null), fc.integer()) }, { requiredKeys: [] })),
  };
  const rawBodies = fc.oneof(fc.string(), fc.constant(''), fc.constant('{"text":'), fc.constant('x'.repeat(70 * 1024)));

  for (const route of writes) {
    it(`POST ${route}: random bodies and headers answer 4xx naming the problem and write nothing`, async () => {
      const c = await seed(SELLER, 'AWAITING_APPROVAL');
      const as = principal(SELLER, 'manager');
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ weight: 4, arbitrary: bodies[route] }, { weight: 1, arbitrary: rawBodies }),
          fc.constantFrom('application/json', 'text/plain', undefined),
          async (body, contentType) => {
            const before = await api.partitionCount(c.caseId);
            // A stale If-Match: a body that happens to be valid ends at 412, still writing nothing.
            const res = await api.call(route, {
              as,
              caseId: c.caseId,
              ifMatch: 99,
              body: typeof body === 'string' ? body : JSON.stringify(body ?? null),
              headers: contentType === undefined ? { 'content-type': '' } : { 'content-type': contentType },
            });
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.status).toBeLessThan(500);
            expect(res.body.code).toBeTypeOf('string');
            if (res.status === 400 && res.body.code === 'VALIDATION_FAILED') {
              expect(res.body.issues.length).toBeGreaterThan(0);
              for (const issue of res.body.issues) expect(issue.field).not.toBe('');
            }
            expect(await api.partitionCount(c.caseId)).toBe(before);
          },
        ),
        { numRuns: 150 },
      );
      expect((await api.store.getCase(c.caseId))?.version).toBe(1);
    }, 120_000);
  }

  it('GET /cases: random query strings answer 200 or 400 naming the parameter, never 5xx', async () => {
    await seed();
    const keys = fc.constantFrom('status', 'reason', 'priority', 'dueBefore', 'limit', 'cursor', 'sellerId', 'sort');
    const values = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'DECIDED',
        'NEEDS_REVIEW,DECIDED',
        'URGENT',
        'PRODUCT_QUALITY_DEFECT',
        '2026-11-07T00:00:00Z',
        '0',
        '25',
        '101',
        '-1',
        '1e2',
        ',',
        'a.b',
      ),
    );
    const before = await api.itemCount();
    await fc.assert(
      fc.asyncProperty(fc.dictionary(keys, values, { maxKeys: 4 }), async (query) => {
        const res = await api.call('list', { as: principal(SELLER, 'agent'), query });
        if (res.status === 200) return;
        expect(res.status).toBe(400);
        const fields = res.body.issues.map((i: { field: string }) => i.field.split('.')[0]);
        for (const field of fields) expect(Object.keys(query)).toContain(field.split(', ')[0]);
      }),
      { numRuns: 300 },
    );
    expect(await api.itemCount()).toBe(before);
  }, 120_000);

  it('GET /cases/{id}/history: random query strings answer 200 or 400 naming the parameter, never 5xx', async () => {
    const c = await seed();
    const issued = (await api.call('history', { as: principal(SELLER, 'agent'), caseId: c.caseId, query: { limit: '1' } })).body.nextCursor;
    const keys = fc.constantFrom('limit', 'cursor', 'before', 'sellerId');
    const values = fc.oneof(
      fc.string(),
      fc.base64String({ maxLength: 80 }).map((b) => b.replace(/[+/=]/g, '')),
      fc.constantFrom('0', '1', '200', '201', '-1', '1e2', issued ?? 'none', `${issued}x`),
    );
    const before = await api.itemCount();
    await fc.assert(
      fc.asyncProperty(fc.dictionary(keys, values, { maxKeys: 3 }), async (query) => {
        const res = await api.call('history', { as: principal(SELLER, 'agent'), caseId: c.caseId, query });
        if (res.status === 200) return;
        expect(res.status, JSON.stringify({ query, body: res.body })).toBe(400);
        // Unknown parameters are named together (`a, b`).
        for (const issue of res.body.issues) for (const field of issue.field.split(', ')) expect(Object.keys(query)).toContain(field);
      }),
      { numRuns: 300 },
    );
    expect(await api.itemCount()).toBe(before);
  }, 120_000);
});

describe('closed cases', () => {
  it('a cancelled case still takes notes (the record stays complete) but no evidence or assignment (409)', async () => {
    const c = await seed();
    await api.store.commit({ next: { ...c, version: 2, status: 'CANCELLED' }, expectedVersion: 1, events: [] });
    const as = principal(SELLER, 'supervisor');
    expect((await api.call('note', { as, caseId: c.caseId, ifMatch: 2, body: { text: 'buyer confirmed by phone' } })).status).toBe(200);
    expect((await api.call('evidence', { as, caseId: c.caseId, ifMatch: 3, body: validBody('evidence', as) })).status).toBe(409);
    expect((await api.call('assign', { as, caseId: c.caseId, ifMatch: 3, body: { assignee: 'agent-1' } })).status).toBe(409);
    expect((await api.call('approve', { as, caseId: c.caseId, ifMatch: 3 })).status).toBe(409);
  });
});
