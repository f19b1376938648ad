import htm from 'htm';
import { h, render, type VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { PRIORITIES, STATUSES } from './lists.ts';
import { beginSignIn, type CognitoConfig, completeSignIn, logoutUrl } from './auth.ts';
import { money, toMinorUnits } from './money.ts';

/**
 * The Dispute Desk staff console (Preact + htm, bundled by esbuild; see docs/console.md).
 * The token lives in this module's memory only: never in storage, cookies or URLs.
 */

// htm's typings do not resolve under NodeNext as a default export with bind; its runtime does.
type Html = (strings: TemplateStringsArray, ...values: unknown[]) => VNode | VNode[] | null;
const html = (htm as unknown as { bind(factory: typeof h): Html }).bind(h);

type Session = { token: string; sellerId: string; role: string; userId: string };
type Problem = { status: number; detail: string; code?: string };
// biome-ignore lint/suspicious/noExplicitAny: API JSON rendered as read; its shapes are in openapi.json
type Json = Record<string, any>;

let session: Session | undefined;

class ApiError extends Error {
  readonly problem: Problem;
  readonly etag: string | undefined;
  constructor(problem: Problem, etag?: string) {
    super(problem.detail);
    this.problem = problem;
    this.etag = etag;
  }
}

async function api(path: string, init: { method?: string; body?: unknown; ifMatch?: number } = {}): Promise<{ body: Json; etag?: string }> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (session !== undefined) headers.authorization = `Bearer ${session.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.ifMatch !== undefined) headers['if-match'] = `"${init.ifMatch}"`;
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError({ status: 0, detail: 'The API could not be reached. Check your connection and try again.' });
  }
  const text = await res.text();
  let body: Json = {};
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    body = {};
  }
  const etag = res.headers.get('etag') ?? undefined;
  if (!res.ok) {
    const detail =
      typeof body.detail === 'string'
        ? body.detail
        : typeof body.message === 'string'
          ? body.message
          : `The request failed (HTTP ${res.status}).`;
    throw new ApiError({ status: res.status, detail, code: body.code }, etag);
  }
  return { body, etag };
}

const pct = (n: number | undefined) => (n === undefined ? '—' : `${Math.round(n * 100)}%`);
const when = (iso: string | undefined) => (iso === undefined ? '—' : `${new Date(iso).toISOString().replace('T', ' ').slice(0, 16)} UTC`);

export function slaBadge(dueAt: string | undefined, now = Date.now()): 'overdue' | 'due-soon' | undefined {
  if (dueAt === undefined) return undefined;
  const due = Date.parse(dueAt);
  if (due < now) return 'overdue';
  if (due - now <= 3_600_000) return 'due-soon';
  return undefined;
}

function ErrorText({ error, id }: { error: ApiError | undefined; id?: string }) {
  if (error === undefined) return null;
  return html`<p class="error" role="alert" id=${id}>${error.problem.detail}</p>`;
}

/** Where Cognito sends the browser back: this console's own URL (one of the client's callbacks). */
const redirectUri = () => `${location.origin}/console/`;

/**
 * How staff sign in here: `/console/config.json` (deployed by the CDK app next to the console)
 * names the Cognito domain and app client; without it (the local runtime) the dev sign-in.
 */
async function loadCognitoConfig(): Promise<CognitoConfig | undefined> {
  const res = await fetch('/console/config.json', { headers: { accept: 'application/json' } }).catch(() => undefined);
  if (res === undefined || !res.ok) return undefined;
  const body = (await res.json().catch(() => ({}))) as { cognito?: { domain?: unknown; clientId?: unknown } };
  const { domain, clientId } = body.cognito ?? {};
  return typeof domain === 'string' && typeof clientId === 'string' ? { domain, clientId } : undefined;
}

/** Managed-login sign-in: a button to Cognito; back here with a code, the code exchanged (PKCE). */
function CognitoSignIn({ config, onSignedIn }: { config: CognitoConfig; onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(location.search.includes('code=') || location.search.includes('error='));
  useEffect(() => {
    completeSignIn(config, { search: location.search, redirectUri: redirectUri() }, sessionStorage)
      .then((signed) => {
        // The code and state leave the address bar (and the history) once used.
        if (location.search !== '') history.replaceState(null, '', redirectUri());
        if (signed !== undefined) onSignedIn(signed);
      })
      .catch((e: Error) => {
        history.replaceState(null, '', redirectUri());
        setError(new ApiError({ status: 401, detail: e.message }));
      })
      .finally(() => setBusy(false));
  }, []);
  async function start() {
    location.assign(await beginSignIn(config, redirectUri(), sessionStorage));
  }
  return html`<main class="narrow">
    <h1>Dispute Desk</h1>
    <section aria-labelledby="signin-title">
      <h2 id="signin-title">Sign in</h2>
      <p class="hint">With your staff account; your session lives in this page only and ends when it is closed or reloaded.</p>
      <button type="button" disabled=${busy} onClick=${start}>${busy ? 'Signing in…' : 'Sign in with your staff account'}</button>
      <${ErrorText} error=${error} />
    </section>
  </main>`;
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<ApiError>();
  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    try {
      const { body } = await api('/console/dev-sign-in', {
        method: 'POST',
        body: { sellerId: form.get('sellerId'), role: form.get('role'), userId: form.get('userId') },
      });
      onSignedIn(body as Session);
    } catch (e) {
      setError(e as ApiError);
    }
  }
  return html`<main class="narrow">
    <h1>Dispute Desk</h1>
    <form onSubmit=${submit} aria-labelledby="signin-title">
      <h2 id="signin-title">Development sign-in</h2>
      <p class="hint">Local runtime only: the token is minted by the runtime and kept in this page's memory.</p>
      <label for="sellerId">Seller</label>
      <input id="sellerId" name="sellerId" required value="SELLER-42" />
      <label for="role">Role</label>
      <select id="role" name="role"><option>agent</option><option>supervisor</option><option>manager</option></select>
      <label for="userId">User</label>
      <input id="userId" name="userId" required value="agent-1" />
      <button type="submit">Sign in</button>
      <${ErrorText} error=${error} />
    </form>
  </main>`;
}

type Counts = { matching: number; overdue: number; dueWithinHour: number; complete: boolean };

function Queue({ onOpen }: { onOpen: (caseId: string) => void }) {
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [pages, setPages] = useState<string[]>(['']);
  const [data, setData] = useState<{ items: Json[]; nextCursor: string | null; counts?: Counts }>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const cursor = pages[pages.length - 1] ?? '';
  useEffect(() => {
    const q = new URLSearchParams();
    // Every filter is the API's; `me` and `none` are its words for you and for nobody.
    for (const [k, v] of Object.entries(filters)) if (v !== '') q.set(k, v);
    if (cursor !== '') q.set('cursor', cursor);
    q.set('limit', '25');
    q.set('counts', 'true');
    setLoading(true);
    api(`/cases?${q}`)
      .then(({ body }) => {
        setData(body as { items: Json[]; nextCursor: string | null; counts?: Counts });
        setError(undefined);
      })
      .catch((e) => setError(e))
      .finally(() => setLoading(false));
  }, [filters, cursor]);
  function applyFilters(event: Event) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const next: Record<string, string> = {};
    for (const key of ['status', 'priority', 'reason', 'assignee']) next[key] = String(form.get(key) ?? '').trim();
    setPages(['']);
    setFilters(next);
  }
  const items = data?.items ?? [];
  const counts = data?.counts;
  const atLeast = counts?.complete === false ? 'at least ' : '';
  return html`<section aria-labelledby="queue-title">
    <h2 id="queue-title">Queue</h2>
    <form class="filters" onSubmit=${applyFilters} aria-label="Filters">
      <label>Status <select name="status"><option value="">any</option>${STATUSES.map((s) => html`<option>${s}</option>`)}</select></label>
      <label>Priority <select name="priority"><option value="">any</option>${PRIORITIES.map((s) => html`<option>${s}</option>`)}</select></label>
      <label>Assignee <input name="assignee" size="10" placeholder="me, none or a user id" /></label>
      <label>Reason <input name="reason" size="14" /></label>
      <button type="submit">Apply filters</button>
    </form>
    <${ErrorText} error=${error} />
    <p class="counts" aria-live="polite">
      ${
        loading
          ? 'Loading…'
          : html`<span data-testid="count-page">${items.length} on this page</span>${
              counts === undefined
                ? null
                : html` of <span data-testid="count-matching">${atLeast}${counts.matching} matching</span> · <span data-testid="count-overdue">${counts.overdue} overdue</span> · <span data-testid="count-soon">${counts.dueWithinHour} due within the hour</span>`
            }`
      }
    </p>
    <table class="queue">
      <caption class="sr-only">Cases, due soonest first</caption>
      <thead><tr><th scope="col">Case</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Priority</th><th scope="col">Due</th><th scope="col">Assignee</th><th scope="col">Refund</th></tr></thead>
      <tbody>
        ${items.map((c) => {
          const badge = slaBadge(c.dueAt);
          return html`<tr key=${c.caseId}>
            <td><button class="link" type="button" onClick=${() => onOpen(c.caseId)}>${c.marketplaceReturnId ?? c.caseId}</button></td>
            <td>${c.status}</td><td>${c.reason ?? '—'}</td><td>${c.priority ?? '—'}</td>
            <td>${when(c.dueAt)} ${badge === 'overdue' ? html`<span class="badge overdue">Overdue</span>` : badge === 'due-soon' ? html`<span class="badge soon">Due within the hour</span>` : null}</td>
            <td>${c.assignee ?? 'unassigned'}</td><td>${money(c.refund?.amount, c.refund?.currency)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled=${pages.length <= 1} onClick=${() => setPages(pages.slice(0, -1))}>Previous page</button>
      <button type="button" disabled=${!data?.nextCursor} onClick=${() => setPages([...pages, String(data?.nextCursor)])}>Next page</button>
    </nav>
  </section>`;
}

type FormAction = (kind: string, label: string, path: string, toBody: (f: FormData) => unknown) => (event: Event) => void;

/** The claim on the carrier for its share (#19): its state and deadline, and the staff steps it is waiting for. */
function ClaimPanel({
  claim,
  formAction,
  errFor,
}: {
  claim: Json;
  formAction: FormAction;
  errFor: (kind: string) => ApiError | undefined;
}) {
  return html`<article aria-labelledby="claim-title"><h3 id="claim-title">Carrier claim</h3>
    <dl>
      <dt>State</dt><dd data-testid="claim-state">${claim.state}</dd>
      <dt>Carrier</dt><dd>${claim.carrier} ${claim.trackingNumber ?? ''}</dd>
      <dt>Amount</dt><dd>${money(claim.amount, claim.currency)}</dd>
      <dt>File by</dt><dd>${when(claim.fileBy)}</dd>
      ${claim.claimReference ? html`<dt>Reference</dt><dd>${claim.claimReference}</dd>` : null}
      ${claim.recoveredAmount !== undefined ? html`<dt>Recovered</dt><dd>${money(claim.recoveredAmount, claim.currency)}</dd>` : null}
    </dl>
    ${
      claim.state === 'TO_FILE'
        ? html`<form onSubmit=${formAction('claimFiling', 'claim filing', 'carrier-claim/filing', (f) => ({ claimReference: f.get('claimReference') }))}>
          <label for="claim-ref">Carrier's claim reference</label>
          <input id="claim-ref" name="claimReference" />
          <button type="submit">Record filing</button>
          <${ErrorText} error=${errFor('claimFiling')} />
        </form>`
        : null
    }
    ${
      claim.state === 'FILED'
        ? html`<form onSubmit=${formAction('claimOutcome', 'claim outcome', 'carrier-claim/outcome', (f) =>
            f.get('outcome') === 'PAID'
              ? {
                  outcome: 'PAID',
                  ...(f.get('recovered') ? { recoveredAmount: toMinorUnits(String(f.get('recovered')), claim.currency) } : {}),
                }
              : { outcome: 'DENIED', reason: f.get('reason') || 'denied by the carrier' },
          )}>
          <label for="claim-outcome">Outcome</label>
          <select id="claim-outcome" name="outcome"><option>PAID</option><option>DENIED</option></select>
          <label for="claim-recovered">Recovered (${claim.currency})</label>
          <input id="claim-recovered" name="recovered" inputmode="decimal" />
          <label for="claim-reason">Denial reason</label>
          <input id="claim-reason" name="reason" />
          <button type="submit">Record outcome</button>
          <${ErrorText} error=${errFor('claimOutcome')} />
        </form>`
        : null
    }
  </article>`;
}

/** The seller's recovery over the last 30 days (#19): made whole with, borne by whom, recovered from carriers. */
function RecoveryPanel() {
  const [report, setReport] = useState<Json>();
  const [error, setError] = useState<ApiError>();
  async function load() {
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    try {
      setReport(
        (await api(`/reports/recovery?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`)).body,
      );
      setError(undefined);
    } catch (e) {
      setError(e as ApiError);
    }
  }
  return html`<section aria-labelledby="recovery-title"><h2 id="recovery-title">Recovery, last 30 days</h2>
    <button type="button" onClick=${load}>Show recovery report</button>
    <${ErrorText} error=${error} />
    ${
      report === undefined
        ? null
        : html`<table class="queue" data-testid="recovery"><caption class="sr-only">Recovery by currency</caption>
        <thead><tr><th scope="col">Currency</th><th scope="col">Cases</th><th scope="col">Buyers made whole</th><th scope="col">Borne by seller</th><th scope="col">Recovered from carriers</th><th scope="col">Lost on carriers</th><th scope="col">Pending claims</th></tr></thead>
        <tbody>${Object.entries((report.totals ?? {}) as Record<string, Json>).map(
          ([currency, t]) =>
            html`<tr><th scope="row">${currency}</th><td>${t.cases}</td><td>${money(t.madeWhole, currency)}</td><td>${money(t.bornBySeller, currency)}</td><td>${money(t.carrierRecovered, currency)}</td><td>${money(t.carrierLost, currency)}</td><td>${money(t.carrierPending, currency)}</td></tr>`,
        )}</tbody></table>
        <p>${(report.openClaims ?? []).length} open carrier claims${report.complete === false ? ' (the report stopped at its read limit)' : ''}.</p>`
    }
  </section>`;
}

function AllocationBar({ allocation, confidence }: { allocation: Json | undefined; confidence: number | undefined }) {
  if (allocation === undefined) return html`<p>No allocation yet.</p>`;
  if (allocation.kind === 'NO_FAULT') return html`<p>No fault allocated (confidence ${pct(confidence)}).</p>`;
  const parts = ['carrier', 'seller', 'buyer'] as const;
  return html`<div>
    <div class="bar" role="img" aria-label=${`Allocation: ${parts.map((p) => `${p} ${pct(allocation[p])}`).join(', ')}; confidence ${pct(confidence)}`}>
      ${parts.map((p) => html`<span class=${`seg ${p}`} style=${{ width: `${(allocation[p] ?? 0) * 100}%` }}></span>`)}
    </div>
    <p class="legend">${parts.map((p) => html`<span class=${`key ${p}`}>${p} ${pct(allocation[p])}</span> `)} · confidence ${pct(confidence)}</p>
  </div>`;
}

type Action = { kind: string; label: string; path: string; body?: unknown };

function diffCases(before: Json, after: Json): string[] {
  const changes: string[] = [];
  for (const key of ['status', 'assignee', 'priority', 'dueAt', 'resolution', 'refund', 'staffEvidence']) {
    const a = JSON.stringify(before[key] ?? null);
    const b = JSON.stringify(after[key] ?? null);
    if (a !== b) changes.push(`${key}: ${a.slice(0, 80)} → ${b.slice(0, 80)}`);
  }
  const newEvents = (after.__history ?? []).filter((e: Json) => e.version > (before.version ?? 0));
  for (const e of newEvents) changes.push(`v${e.version} ${e.action} by ${e.actor?.id ?? e.actor?.kind ?? '?'}`);
  return changes;
}

function CasePage({ caseId, onBack }: { caseId: string; onBack: () => void }) {
  const [detail, setDetail] = useState<Json>();
  const [version, setVersion] = useState<number>();
  const [error, setError] = useState<ApiError>();
  const [actionError, setActionError] = useState<{ kind: string; error: ApiError }>();
  const [stale, setStale] = useState<{ action: Action; changes: string[] }>();
  const [notice, setNotice] = useState<string>();
  // Older history pages loaded on request (GET /cases/{id} carries only the newest events).
  const [earlier, setEarlier] = useState<{ events: Json[]; cursor: string | null }>();

  async function load(): Promise<Json | undefined> {
    try {
      const { body, etag } = await api(`/cases/${encodeURIComponent(caseId)}`);
      setDetail(body);
      setEarlier(undefined);
      setVersion(etag === undefined ? body.case?.version : Number(etag.replaceAll('"', '')));
      setError(undefined);
      return body;
    } catch (e) {
      setError(e as ApiError);
      return undefined;
    }
  }
  useEffect(() => {
    load();
  }, [caseId]);

  const [loadingEarlier, setLoadingEarlier] = useState(false);
  // A ref, not state: a second click can arrive before the re-render that disables the button.
  const earlierInFlight = useRef(false);
  async function loadEarlier(cursor: string) {
    if (earlierInFlight.current) return;
    earlierInFlight.current = true;
    setLoadingEarlier(true);
    try {
      const { body } = await api(`/cases/${encodeURIComponent(caseId)}/history?cursor=${encodeURIComponent(cursor)}`);
      // A page is added only onto the position it was asked for, so it can never appear twice.
      setEarlier((shown) =>
        (shown === undefined ? detail?.olderHistoryCursor : shown.cursor) === cursor
          ? { events: [...body.events, ...(shown?.events ?? [])], cursor: body.nextCursor }
          : shown,
      );
      setActionError(undefined);
    } catch (e) {
      setActionError({ kind: 'history', error: e as ApiError });
    } finally {
      earlierInFlight.current = false;
      setLoadingEarlier(false);
    }
  }

  async function run(action: Action, ifMatch = version) {
    setActionError(undefined);
    setNotice(undefined);
    try {
      await api(`/cases/${encodeURIComponent(caseId)}/${action.path}`, { method: 'POST', body: action.body ?? {}, ifMatch });
      setStale(undefined);
      setNotice(`${action.label}: done.`);
      await load();
    } catch (e) {
      const err = e as ApiError;
      if (err.problem.status === 412 && detail !== undefined) {
        const before = { ...detail.case, __history: detail.history };
        const fresh = await load();
        const changes = fresh === undefined ? [] : diffCases(before, { ...fresh.case, __history: fresh.history });
        setStale({ action, changes });
      } else {
        setActionError({ kind: action.kind, error: err });
      }
    }
  }
  function formAction(kind: string, label: string, path: string, toBody: (f: FormData) => unknown) {
    return (event: Event) => {
      event.preventDefault();
      run({ kind, label, path, body: toBody(new FormData(event.target as HTMLFormElement)) });
    };
  }
  const errFor = (kind: string) => (actionError?.kind === kind ? actionError.error : undefined);

  if (error !== undefined && detail === undefined)
    return html`<section><button type="button" onClick=${onBack}>Back to queue</button><${ErrorText} error=${error} /></section>`;
  if (detail === undefined) return html`<p>Loading case…</p>`;
  const c = detail.case as Json;
  const d = (c.decision ?? {}) as Json;
  const r = (c.return ?? {}) as Json;
  const refund = d.refund as Json | undefined;
  const role = session?.role ?? 'agent';
  const authority = detail.yourAuthority as { role: string; refundLimit: number | null; currency: string } | undefined;
  const limitText =
    authority === undefined
      ? 'unknown'
      : authority.refundLimit === null
        ? `none in ${authority.currency} (the policy sets no limit for it)`
        : money(authority.refundLimit, authority.currency);
  const aboveLimit = (amount: number | undefined) =>
    authority !== undefined && amount !== undefined && (authority.refundLimit === null || amount > authority.refundLimit);
  function submitAppeal(event: Event) {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const text = String(f.get('amount') ?? '').trim();
    const amount = text === '' ? undefined : toMinorUnits(text, r.money?.currency);
    if (text !== '' && amount === undefined) {
      return setActionError({
        kind: 'appeal',
        error: new ApiError({ status: 400, detail: `The amount must be a number in ${r.money?.currency ?? 'the case currency'}.` }),
      });
    }
    run({
      kind: 'appeal',
      label: 'appeal',
      path: 'appeal',
      body: { remedy: f.get('remedy'), reason: f.get('reason'), ...(amount === undefined ? {} : { amount }) },
    });
  }
  function submitOverride(event: Event) {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const text = String(f.get('amount') ?? '').trim();
    const amount = text === '' ? undefined : toMinorUnits(text, r.money?.currency);
    const local = (detail: string) => setActionError({ kind: 'override', error: new ApiError({ status: 400, detail }) });
    if (text !== '' && amount === undefined)
      return local(`The amount must be a number in ${r.money?.currency ?? 'the case currency'}, e.g. 12.50.`);
    if (aboveLimit(amount))
      return local(`${money(amount, r.money?.currency)} is above your refund limit (${limitText}); ask a role with a higher limit.`);
    run({
      kind: 'override',
      label: 'override',
      path: 'override',
      body: { remedy: f.get('remedy'), reason: f.get('reason'), ...(amount === undefined ? {} : { amount }) },
    });
  }
  const overrideRemedies = ['FULL_REFUND', 'PARTIAL_REFUND', 'RETURN_AND_REFUND', 'RESHIP', 'REPAIR', 'NO_REFUND_NEEDED', 'REJECT'];
  return html`<section aria-labelledby="case-title">
    <button type="button" onClick=${onBack}>Back to queue</button>
    <h2 id="case-title">Case ${c.marketplaceReturnId} <span class="status">${c.status}</span></h2>
    ${notice === undefined ? null : html`<p class="notice" role="status">${notice}</p>`}
    ${
      stale === undefined
        ? null
        : html`<div class="stale" role="alert">
          <p><strong>This case changed while you were looking at it</strong> (now version ${version}). Your ${stale.action.label} was not applied.</p>
          <ul>${stale.changes.map((line) => html`<li>${line}</li>`)}</ul>
          <button type="button" onClick=${() => run(stale.action)}>Re-apply ${stale.action.label}</button>
          <button type="button" onClick=${() => setStale(undefined)}>Discard</button>
        </div>`
    }
    <div class="grid">
      <article aria-labelledby="facts-title"><h3 id="facts-title">Facts</h3>
        <dl>
          <dt>Order</dt><dd>${c.orderId}</dd><dt>Marketplace</dt><dd>${c.marketplace}</dd>
          <dt>Reason</dt><dd>${r.reason}</dd><dt>Requested</dt><dd>${r.requestedRemedy ?? '—'}</dd>
          <dt>Paid</dt><dd>${money(r.money?.amountPaid, r.money?.currency)}</dd>
          <dt>Carrier</dt><dd>${r.carrier?.code ?? '—'} ${r.carrier?.trackingNumber ?? ''}</dd>
          <dt>Due</dt><dd>${when(c.dueAt)}</dd><dt>Assignee</dt><dd>${c.assignee ?? 'unassigned'}</dd>
          <dt>Priority</dt><dd>${c.priority ?? '—'}</dd><dt>Version</dt><dd>${version}</dd>
        </dl>
      </article>
      <article aria-labelledby="decision-title"><h3 id="decision-title">Decision</h3>
        <p>Outcome <strong>${d.outcome ?? '—'}</strong>, remedy <strong>${d.remedy ?? '—'}</strong>${d.summary ? html` — ${d.summary}` : null}</p>
        <h4>Allocation</h4>
        <${AllocationBar} allocation=${d.allocation} confidence=${d.confidence} />
        <p>Cost borne by <strong>${d.costBearer ?? '—'}</strong>. Carrier claim: <strong>${d.carrierClaim ? 'yes, file a claim with the carrier' : 'no'}</strong>.</p>
        <p>Needs approval by: <strong>${d.authority?.requiredRole ?? 'nobody'}</strong>; you are <strong>${role}</strong>, your refund limit <strong data-testid="authority-limit">${limitText}</strong>${aboveLimit(refund?.amount) ? html` (<span class="warn">this refund is above it: the API will refuse your approval</span>)` : null}.</p>
        <h4>Refund</h4>
        ${
          refund === undefined
            ? html`<p>No refund.</p>`
            : html`<table class="refund"><caption class="sr-only">Refund with deductions</caption><tbody>
              <tr><th scope="row">Gross</th><td>${money(refund.gross, refund.currency)}</td></tr>
              ${(refund.deductions ?? []).map((x: Json) => html`<tr><th scope="row">− ${x.description}</th><td>${money(x.amount, refund.currency)}</td></tr>`)}
              <tr><th scope="row">Refund</th><td><strong>${money(refund.amount, refund.currency)}</strong></td></tr>
            </tbody></table>`
        }
        ${c.refund ? html`<p>Payment: ${c.refund.status} ${c.refund.providerReference ?? ''}</p>` : null}
        ${
          c.resolution
            ? html`<p>Settled by staff: <strong>${c.resolution.kind}</strong> ${c.resolution.remedy} ${money(c.resolution.amount, c.resolution.currency)}</p>`
            : null
        }
        ${
          c.recommendation
            ? html`<div class="recommendation" role="note" data-testid="recommendation">
              <h4>New facts since the staff decision</h4>
              <p>The rule chain now recommends <strong>${c.recommendation.recommendedRemedy}</strong> ${money(c.recommendation.refund?.amount, c.recommendation.refund?.currency)}. Approve confirms it (money already paid is never paid again, only a difference is added); override chooses otherwise.</p>
            </div>`
            : null
        }
      </article>
    </div>
    <article aria-labelledby="trace-title"><h3 id="trace-title">Rules that fired</h3>
      <ol>${(detail.readableTrace ?? []).map((t: Json) => html`<li><code>${t.ruleId}</code> ${t.explanation}</li>`)}</ol>
    </article>
    <article aria-labelledby="evidence-title"><h3 id="evidence-title">Evidence</h3>
      <ul>${[...(r.evidence ?? []), ...(c.staffEvidence ?? [])].map((e: Json) => html`<li>${e.kind}: ${e.finding} (${e.submittedBy ?? 'SELLER'})</li>`)}</ul>
    </article>
    <article aria-labelledby="actions-title"><h3 id="actions-title">Actions</h3>
      <div class="actions">
        <form onSubmit=${formAction('approve', 'approve', 'approve', (f) => (f.get('comment') ? { comment: f.get('comment') } : {}))}>
          <label for="approve-comment">Approval comment (optional)</label>
          <input id="approve-comment" name="comment" />
          <button type="submit">Approve</button>
          <${ErrorText} error=${errFor('approve')} />
        </form>
        <form onSubmit=${formAction('note', 'note', 'notes', (f) => ({ text: f.get('text') }))}>
          <label for="note-text">Note</label>
          <textarea id="note-text" name="text" rows="2"></textarea>
          <button type="submit">Add note</button>
          <${ErrorText} error=${errFor('note')} />
        </form>
        <form onSubmit=${formAction('assign', 'assign', 'assign', (f) => ({ assignee: String(f.get('assignee') ?? '') || null }))}>
          <label for="assignee">Assign to (empty to release)</label>
          <input id="assignee" name="assignee" value=${session?.userId ?? ''} />
          <button type="submit">Assign</button>
          <${ErrorText} error=${errFor('assign')} />
        </form>
        <form onSubmit=${formAction('evidence', 'add evidence', 'evidence', (f) => ({ evidence: [{ kind: f.get('kind'), finding: f.get('finding') }] }))}>
          <label for="ev-kind">Evidence kind</label>
          <select id="ev-kind" name="kind">${['PACKAGING_PHOTO', 'PRODUCT_PHOTO', 'SERIAL_CHECK', 'CARRIER_SCAN'].map((k) => html`<option>${k}</option>`)}</select>
          <label for="ev-finding">Finding</label>
          <input id="ev-finding" name="finding" value="INTACT" />
          <button type="submit">Add evidence</button>
          <${ErrorText} error=${errFor('evidence')} />
        </form>
        <form onSubmit=${submitOverride}>
          <p class="hint">Overrides: supervisors and managers, within their refund limit (yours: ${limitText})${role === 'agent' ? '; you are an agent: the API will refuse' : ''}.</p>
          <label for="ov-remedy">Remedy</label>
          <select id="ov-remedy" name="remedy">${overrideRemedies.map((k) => html`<option>${k}</option>`)}</select>
          <label for="ov-amount">Amount (${r.money?.currency ?? ''}, at most ${money(r.money?.amountPaid, r.money?.currency)})</label>
          <input id="ov-amount" name="amount" inputmode="decimal" />
          <label for="ov-reason">Reason</label>
          <input id="ov-reason" name="reason" />
          <button type="submit">Override</button>
          <${ErrorText} error=${errFor('override')} />
        </form>
        <form onSubmit=${submitAppeal}>
          <p class="hint">Appeal (once, within the policy's window; a role above whoever decided): money already paid is never paid again, only a difference is added.</p>
          <label for="ap-remedy">Appeal remedy</label>
          <select id="ap-remedy" name="remedy">${overrideRemedies.map((k) => html`<option>${k}</option>`)}</select>
          <label for="ap-amount">Appeal amount (${r.money?.currency ?? ''})</label>
          <input id="ap-amount" name="amount" inputmode="decimal" />
          <label for="ap-reason">Appeal reason</label>
          <input id="ap-reason" name="reason" />
          <button type="submit">Decide the appeal</button>
          <${ErrorText} error=${errFor('appeal')} />
        </form>
      </div>
    </article>
    ${c.carrierClaim ? html`<${ClaimPanel} claim=${c.carrierClaim} formAction=${formAction} errFor=${errFor} />` : null}
    <article aria-labelledby="history-title"><h3 id="history-title">History</h3>
      ${(() => {
        const cursor = earlier === undefined ? detail.olderHistoryCursor : earlier.cursor;
        return cursor
          ? html`<button type="button" disabled=${loadingEarlier} onClick=${() => loadEarlier(cursor)}>Show earlier events</button>`
          : null;
      })()}
      <${ErrorText} error=${errFor('history')} />
      <ol class="timeline">${[...(earlier?.events ?? []), ...(detail.history ?? [])].map((e: Json) => html`<li><time datetime=${e.at}>${when(e.at)}</time> v${e.version} <strong>${e.action}</strong> by ${e.actor?.id ?? e.actor?.kind}${e.toStatus ? ` → ${e.toStatus}` : ''}</li>`)}</ol>
    </article>
  </section>`;
}

function App() {
  const [signedIn, setSignedIn] = useState<Session>();
  const [open, setOpen] = useState<string>();
  // undefined: not known yet; null: no Cognito here (the local runtime's dev sign-in).
  const [cognito, setCognito] = useState<CognitoConfig | null>();
  useEffect(() => {
    loadCognitoConfig().then((c) => setCognito(c ?? null));
  }, []);
  const onSignedIn = (s: Session) => {
    session = s;
    setSignedIn(s);
  };
  if (signedIn === undefined) {
    if (cognito === undefined) return html`<p>Loading…</p>`;
    return cognito === null
      ? html`<${SignIn} onSignedIn=${onSignedIn} />`
      : html`<${CognitoSignIn} config=${cognito} onSignedIn=${onSignedIn} />`;
  }
  return html`<div>
    <header class="top"><h1>Dispute Desk</h1><p>${signedIn.userId} (${signedIn.role}) · seller ${signedIn.sellerId}</p>
      <button type="button" onClick=${() => {
        session = undefined;
        setSignedIn(undefined);
        if (cognito) location.assign(logoutUrl(cognito, redirectUri()));
      }}>Sign out</button></header>
    <main>${open === undefined ? html`<${Queue} onOpen=${setOpen} /><${RecoveryPanel} />` : html`<${CasePage} caseId=${open} onBack=${() => setOpen(undefined)} />`}</main>
  </div>`;
}

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
