import { staffRoles } from '#lib/contract/roles.ts';
import { isRefundRemedy } from '#lib/decision/decision-schema.ts';

import { signDevToken } from '../dev-auth.ts';
import type { StaffTrafficContext, TrafficModule } from './staff-traffic.ts';
import type { TrackedReturn } from './webhook-traffic.ts';

/**
 * Seller staff traffic against the seller API (issue 5): listing, reading, adding evidence,
 * approving and overriding decisions, as agents, supervisors and managers of the soak's
 * sellers, with tokens minted in-process by the same code `npm run token` runs
 * (local/dev-auth.ts). Writes read the case first and send its ETag in If-Match, so they race
 * webhooks, the escalation sweep, the refund worker and each other for real; a share of writes
 * deliberately send a stale ETag (must be 412) and a share of reads ask for another seller's
 * case (must be 404, as if it did not exist).
 */

const REQUEST_TIMEOUT_MS = 35_000;

export const staffMix = {
  list: 20,
  read: 18,
  // A case's older history, a page at a time (GET /cases/{id}/history).
  history: 6,
  evidence: 16,
  approve: 16,
  override: 12,
  staleEtag: 10,
  crossTenant: 8,
  // #19: carrier claims filed and settled, appeals decided (by roles that may or may not be above the decider).
  claimFiling: 5,
  claimOutcome: 4,
  appeal: 6,
} as const;
type StaffOp = keyof typeof staffMix;

const evidenceSamples = [
  { kind: 'PRODUCT_PHOTO', finding: 'DEFECTIVE' },
  { kind: 'PRODUCT_PHOTO', finding: 'FINE' },
  { kind: 'PACKAGING_PHOTO', finding: 'INTACT' },
  { kind: 'PACKAGING_PHOTO', finding: 'CRUSHED' },
  { kind: 'SERIAL_CHECK', finding: 'MATCH' },
  { kind: 'INSTALLER_REPORT', finding: 'DEFECT_FOUND' },
  { kind: 'ADDRESS_CHECK', finding: 'ADDRESS_CORRECT' },
] as const;

/** Statuses an appeal can re-open (#19). */
const appealable: ReadonlySet<string> = new Set(['DECIDED', 'REJECTED', 'REFUNDED']);

const overrideRemedies = ['FULL_REFUND', 'PARTIAL_REFUND', 'RETURN_AND_REFUND', 'REJECT', 'NO_REFUND_NEEDED', 'REPAIR', 'RESHIP'] as const;

type CaseRead = {
  status: number;
  etag?: string;
  amountPaid?: number;
  caseStatus?: string;
  claim?: { state: string; amount: number };
};

export async function createSellerStaffTraffic(context: StaffTrafficContext, _routes: string[]): Promise<TrafficModule> {
  const { baseUrl, recorder, random, webhooks, sellers } = context;
  // One token per seller and role, valid well past any soak.
  const tokens = new Map<string, string>();
  for (const seller of sellers) {
    for (const role of staffRoles) {
      tokens.set(`${seller}/${role}`, await signDevToken({ sellerId: seller, role, userId: `soak-${role}-1`, expiresIn: '12h' }));
    }
  }
  const outcomes: Record<string, Record<string, number>> = {};
  const wrong: string[] = [];
  const pending = new Set<Promise<unknown>>();
  let refundsMadeDue = 0;

  function note(op: string, outcome: string): void {
    const row = outcomes[op] ?? {};
    outcomes[op] = row;
    row[outcome] = (row[outcome] ?? 0) + 1;
  }

  function token(seller: string, role = random.pick(staffRoles)): string {
    return tokens.get(`${seller}/${role}`) ?? '';
  }

  function acceptedCase(): TrackedReturn | undefined {
    // Recent returns are where the action is; pick among the last few hundred accepted ones.
    const all = [...webhooks.returns.values()].filter((r) => r.accepted);
    if (all.length === 0) return undefined;
    return all[Math.max(0, all.length - 1 - Math.floor(random.next() * Math.min(all.length, 300)))];
  }

  async function call(
    kind: string,
    method: string,
    path: string,
    bearer: string,
    body?: unknown,
    ifMatch?: string,
  ): Promise<{ status: number; etag?: string; json?: Record<string, unknown> }> {
    let answer: { status: number; etag?: string; json?: Record<string, unknown> } = { status: 0 };
    await recorder.time(kind, true, async () => {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      const etag = res.headers.get('etag');
      answer = { status: res.status, ...(etag === null ? {} : { etag }), ...(json === undefined ? {} : { json }) };
      return res.status;
    });
    return answer;
  }

  async function readCase(kind: string, r: TrackedReturn, bearer: string): Promise<CaseRead> {
    const answer = await call(kind, 'GET', `/cases/${r.caseId}`, bearer);
    const view = (answer.json?.case ?? {}) as {
      status?: string;
      return?: { money?: { amountPaid?: number } };
      carrierClaim?: { state: string; amount: number };
    };
    return {
      ...(view.carrierClaim === undefined ? {} : { claim: { state: view.carrierClaim.state, amount: view.carrierClaim.amount } }),
      status: answer.status,
      ...(answer.etag === undefined ? {} : { etag: answer.etag }),
      ...(view.return?.money?.amountPaid === undefined ? {} : { amountPaid: view.return.money.amountPaid }),
      ...(view.status === undefined ? {} : { caseStatus: view.status }),
    };
  }

  function written(op: string, answer: { status: number; json?: Record<string, unknown> }): void {
    note(op, String(answer.status));
    if (answer.status === 200 && answer.json?.refund !== undefined) refundsMadeDue += 1;
  }

  async function run(op: StaffOp): Promise<void> {
    const r = acceptedCase();
    if (op === 'list' || r === undefined) {
      const seller = random.pick(sellers);
      const filters = [
        '',
        '&status=NEEDS_REVIEW,DECIDED',
        '&priority=URGENT',
        `&dueBefore=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`,
      ];
      // A cursor is valid only with the filters and page size it was issued for: keep them.
      const filter = random.pick(filters);
      const limit = random.int(5, 51);
      let cursor: string | null = null;
      // Up to three pages, following the opaque cursor.
      for (let page = 0; page < 3; page++) {
        const query = `?limit=${limit}${filter}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const answer = await call('staff.list', 'GET', `/cases${query}`, token(seller));
        note('list', String(answer.status));
        cursor = answer.status === 200 ? ((answer.json?.nextCursor as string | null | undefined) ?? null) : null;
        if (cursor === null) break;
      }
      return;
    }
    switch (op) {
      case 'read': {
        note('read', String((await readCase('staff.read', r, token(r.sellerId))).status));
        return;
      }
      case 'history': {
        // Pages go from newest to oldest while writes go on: no event twice, none newer than a
        // page already read.
        const limit = random.int(1, 21);
        const seen = new Set<string>();
        let olderThan = Number.POSITIVE_INFINITY;
        let cursor: string | null = null;
        for (let page = 0; page < 3; page++) {
          const query = `?limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
          const answer = await call('staff.history', 'GET', `/cases/${r.caseId}/history${query}`, token(r.sellerId));
          note('history', String(answer.status));
          if (answer.status !== 200) return;
          const events = (answer.json?.events ?? []) as { version: number; seq: number; action: string; at: string }[];
          for (const e of events) {
            const key = `${e.version}/${e.seq}/${e.action}/${e.at}`;
            if (seen.has(key) || e.version > olderThan) {
              wrong.push(`GET /cases/${r.caseId}/history page ${page + 1} repeated or went forward at v${e.version} ${e.action}`);
            }
            seen.add(key);
          }
          olderThan = Math.min(olderThan, ...events.map((e) => e.version));
          cursor = (answer.json?.nextCursor as string | null | undefined) ?? null;
          if (cursor === null) return;
        }
        return;
      }
      case 'crossTenant': {
        const other = random.pick(sellers.filter((s) => s !== r.sellerId));
        const path = random.chance(0.5) ? `/cases/${r.caseId}` : `/cases/${r.caseId}/history`;
        const answer = await call('staff.cross-tenant-read', 'GET', path, token(other));
        note('crossTenant', String(answer.status));
        if (answer.status !== 404) wrong.push(`GET ${path} as seller ${other} answered ${answer.status}, expected 404`);
        return;
      }
      case 'evidence': {
        const bearer = token(r.sellerId);
        const read = await readCase('staff.read-before-write', r, bearer);
        if (read.etag === undefined) return note('evidence', `read ${read.status}`);
        const items = [random.pick(evidenceSamples)];
        written('evidence', await call('staff.evidence', 'POST', `/cases/${r.caseId}/evidence`, bearer, { evidence: items }, read.etag));
        return;
      }
      case 'approve': {
        const bearer = token(r.sellerId);
        const read = await readCase('staff.read-before-write', r, bearer);
        if (read.etag === undefined) return note('approve', `read ${read.status}`);
        const body = random.chance(0.5) ? { comment: 'approved by the soak' } : undefined;
        written('approve', await call('staff.approve', 'POST', `/cases/${r.caseId}/approve`, bearer, body ?? {}, read.etag));
        return;
      }
      case 'override': {
        const bearer = token(r.sellerId);
        const read = await readCase('staff.read-before-write', r, bearer);
        if (read.etag === undefined) return note('override', `read ${read.status}`);
        const remedy = random.pick(overrideRemedies);
        const paid = read.amountPaid ?? 0;
        if (isRefundRemedy(remedy) && paid <= 0) return note('override', 'nothing paid');
        const body = {
          remedy,
          reason: 'soak: staff override',
          ...(isRefundRemedy(remedy) ? { amount: random.int(1, paid + 1) } : {}),
        };
        const answer = await call('staff.override', 'POST', `/cases/${r.caseId}/override`, bearer, body, read.etag);
        written('override', answer);
        // The webhook traffic sends this case's replacement parcel (delivered or lost).
        if (remedy === 'RESHIP' && answer.status === 200) r.reship = true;
        return;
      }
      case 'claimFiling': {
        const bearer = token(r.sellerId);
        const read = await readCase('staff.read-before-write', r, bearer);
        if (read.etag === undefined || read.claim?.state !== 'TO_FILE') return note('claimFiling', 'no claim to file');
        const body = { claimReference: `SOAK-${r.caseId.slice(-8)}` };
        written(
          'claimFiling',
          await call('staff.claim-filing', 'POST', `/cases/${r.caseId}/carrier-claim/filing`, bearer, body, read.etag),
        );
        return;
      }
      case 'claimOutcome': {
        const bearer = token(r.sellerId, random.pick(['supervisor', 'manager'] as const));
        const read = await readCase('staff.read-before-write', r, bearer);
        if (read.etag === undefined || read.claim?.state !== 'FILED') return note('claimOutcome', 'no filed claim');
        const body = random.chance(0.6)
          ? { outcome: 'PAID', recoveredAmount: random.int(1, read.claim.amount + 1) }
          : { outcome: 'DENIED', reason: 'soak: carrier refused' };
        written(
          'claimOutcome',
          await call('staff.claim-outcome', 'POST', `/cases/${r.caseId}/carrier-claim/outcome`, bearer, body, read.etag),
        );
        return;
      }
      case 'appeal': {
        // Aimed at a decided case where one is at hand (up to three reads), so appeals and
        // their top-ups are not left to chance; the role may or may not be above the decider.
        let target = r;
        let bearer = token(target.sellerId, random.pick(['supervisor', 'manager'] as const));
        let read = await readCase('staff.read-before-write', target, bearer);
        for (let tries = 1; tries < 3 && !appealable.has(read.caseStatus ?? ''); tries++) {
          const next = acceptedCase();
          if (next === undefined) break;
          target = next;
          bearer = token(target.sellerId, random.pick(['supervisor', 'manager'] as const));
          read = await readCase('staff.read-before-write', target, bearer);
        }
        const paid = read.amountPaid ?? 0;
        if (read.etag === undefined || paid <= 0) return note('appeal', `read ${read.status}`);
        const body = { remedy: 'FULL_REFUND', amount: random.int(1, paid + 1), reason: 'soak: buyer appealed' };
        written('appeal', await call('staff.appeal', 'POST', `/cases/${target.caseId}/appeal`, bearer, body, read.etag));
        return;
      }
      case 'staleEtag': {
        const bearer = token(r.sellerId);
        const read = await readCase('staff.read-before-write', r, bearer);
        const version = Number(/\d+/.exec(read.etag ?? '')?.[0]);
        if (!Number.isInteger(version) || version < 2) return note('staleEtag', `read ${read.status}`);
        const stale = `"${random.int(1, version)}"`;
        const answer = random.chance(0.5)
          ? await call('staff.stale-etag', 'POST', `/cases/${r.caseId}/approve`, bearer, {}, stale)
          : await call(
              'staff.stale-etag',
              'POST',
              `/cases/${r.caseId}/evidence`,
              bearer,
              { evidence: [random.pick(evidenceSamples)] },
              stale,
            );
        note('staleEtag', String(answer.status));
        if (answer.status !== 412)
          wrong.push(
            `write to ${r.caseId} with stale If-Match ${stale} (current "${version}" or later) answered ${answer.status}, expected 412`,
          );
        return;
      }
    }
  }

  return {
    name: 'seller staff API',
    tick() {
      const op = random.weighted(staffMix);
      const work = run(op).catch(() => undefined);
      const tracked = work.finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    get pending() {
      return pending.size;
    },
    async settle(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (pending.size > 0 && Date.now() < until) {
        await Promise.race([Promise.allSettled([...pending]), new Promise((resolve) => setTimeout(resolve, 500))]);
      }
    },
    summary() {
      return { outcomesByOperation: outcomes, refundsMadeDueByStaff: refundsMadeDue, wrongRefusals: wrong.length };
    },
    wrongRefusals() {
      return [...wrong];
    },
  };
}
