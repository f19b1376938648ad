import { createHash } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import chromium from '@sparticuz/chromium';
import { type Browser, type Page, chromium as playwright } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signDevToken } from '#local/dev-auth.ts';
import { findFreePort, isProcessAlive } from '#local/engines.ts';
import { buildSamplePayload, signedRequest } from '#local/sample-webhook.ts';

/**
 * The staff console in a real headless Chromium (@sparticuz/chromium driven by
 * playwright-core) against `node local/start.ts` on free ports: sign in, work a case from the
 * queue to a refund paid once, the stale-ETag path, tenant isolation, authority, axe-core, and
 * keyboard-only use. Screenshots for the README are written to docs/images/.
 */

const startScript = fileURLToPath(new URL('../../local/start.ts', import.meta.url));
const imagesDir = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PID_LINE = /dynamodb-local pid=(\d+)/;
const SELLER = 'SELLER-42';
/**
 * Not chromium.args: those are for Lambda (--single-process, --disable-web-security), which
 * would switch off the very CSP and same-origin checks the console relies on.
 */
const BROWSER_ARGS = ['--no-sandbox', '--no-zygote', '--disable-gpu', '--disable-dev-shm-usage'];

let child: ChildProcess | undefined;
let javaPid: number | undefined;
let browser: Browser | undefined;
let output = '';
let baseUrl = '';
let paymentsUrl = '';

/** A webhook case of the sample's seller: EUR 500.00 paid, above an agent's EUR 100.00 limit. */
async function createCase(amountPaid = 50_000): Promise<string> {
  const payload = buildSamplePayload();
  if ('money' in payload.return) {
    payload.return.money = { ...payload.return.money, itemValue: amountPaid, amountPaid };
  }
  const request = signedRequest({ baseUrl, body: JSON.stringify(payload) });
  const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  const body = (await res.json()) as { caseId: string };
  expect(res.status, JSON.stringify(body)).toBe(202);
  return body.caseId;
}

async function apiAs(role: string, path: string, init: RequestInit = {}, sellerId = SELLER) {
  const token = await signDevToken({ sellerId, role, userId: `${role}-9` });
  return fetch(`${baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
}

async function caseStatus(caseId: string): Promise<{ status: string; version: number; refund?: { providerReference?: string } }> {
  const res = await apiAs('agent', `/cases/${encodeURIComponent(caseId)}`);
  return ((await res.json()) as { case: { status: string; version: number } }).case;
}

/** Signs in as staff do in AWS: to the managed login (here its local stand-in) and back with a code (PKCE). */
async function signIn(page: Page, role: string, sellerId = SELLER) {
  await page.goto(`${baseUrl}/console`);
  await page.getByRole('button', { name: 'Sign in with your staff account' }).click();
  await page.waitForURL((url) => url.pathname === '/oauth2/authorize');
  await page.getByLabel('Seller').fill(sellerId);
  await page.getByLabel('Role').selectOption(role);
  await page.getByLabel('User').fill(`${role}-1`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Queue' }).waitFor();
}

async function returnIdOf(caseId: string): Promise<string> {
  const res = await apiAs('agent', `/cases/${encodeURIComponent(caseId)}`);
  return ((await res.json()) as { case: { marketplaceReturnId: string } }).case.marketplaceReturnId;
}

async function openCase(page: Page, caseId: string) {
  const marketplaceReturnId = await returnIdOf(caseId);
  await page.getByRole('button', { name: marketplaceReturnId }).click();
  await page.getByRole('heading', { name: new RegExp(`Case ${marketplaceReturnId}`) }).waitFor();
}

async function seriousAxeViolations(page: Page): Promise<{ id: string; impact: string; nodes: number }[]> {
  await page.addScriptTag({ content: axeSource }).catch(() => page.evaluate(axeSource));
  const results = (await page.evaluate('axe.run(document)')) as { violations: { id: string; impact: string; nodes: unknown[] }[] };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
}

beforeAll(async () => {
  const [port, dynamodbPort, sqsPort, paymentsPort] = [
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
  ];
  child = spawn(process.execPath, [startScript], {
    env: {
      ...process.env,
      LOCAL_IN_MEMORY: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      DYNAMODB_PORT: String(dynamodbPort),
      SQS_PORT: String(sqsPort),
      PAYMENT_PROVIDER_PORT: String(paymentsPort),
      SHOPIFY_ADMIN_PORT: '0',
      MANAGED_LOGIN_PORT: '0',
      // Any free port: the default (4014) collides when these files run in parallel.
      NOTIFICATION_RECEIVER_PORT: '0',
      STRIPE_PORT: '0',
      SCHEDULE_EVERY_MS: '60000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  baseUrl = `http://127.0.0.1:${port}`;
  paymentsUrl = `http://127.0.0.1:${paymentsPort}`;
  await vi.waitFor(
    async () => {
      if (child?.exitCode !== null) throw new Error(`runtime exited early:\n${output}`);
      expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
    },
    { timeout: 45_000, interval: 250 },
  );
  javaPid = Number(PID_LINE.exec(output)?.[1]);
  browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: BROWSER_ARGS, headless: true });
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (child?.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  if (javaPid !== undefined && isProcessAlive(javaPid)) process.kill(javaPid, 'SIGKILL');
}, 30_000);

describe('staff console in a real browser', () => {
  it('serves the console with a strict CSP, and the bundle stays under 100 KB gzipped', async () => {
    const page = await fetch(`${baseUrl}/console`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    // Same origin as the API locally, so no CORS: another origin's page is never let read an answer.
    const foreign = await fetch(`${baseUrl}/cases`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${baseUrl}/cases`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const js = Buffer.from(await (await fetch(`${baseUrl}/console/app.js`)).arrayBuffer());
    const { gzipSync } = await import('node:zlib');
    expect(gzipSync(js).length).toBeLessThan(100 * 1024);
    const badSignIn = await fetch(`${baseUrl}/console/dev-sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sellerId: SELLER, role: 'root', userId: 'x' }),
    });
    expect(badSignIn.status).toBe(400);
    expect(((await badSignIn.json()) as { detail: string }).detail).toContain('role');
  });

  it('an agent cannot approve above authority; a supervisor works the case from the queue to a refund paid once', async () => {
    const caseId = await createCase();
    await vi.waitFor(async () => expect((await caseStatus(caseId)).status).not.toBe('RECEIVED'), { timeout: 15_000, interval: 250 });

    const context = await browser!.newContext();
    const page = await context.newPage();
    await signIn(page, 'agent');
    await openCase(page, caseId);
    // The agent's limit is shown up front, from GET /cases/{id}'s yourAuthority, with a warning.
    const limit = (await page.getByTestId('authority-limit').textContent()) ?? '';
    expect(limit).toMatch(/^[A-Z]{3} \d+\.\d{2}$/);
    expect(await page.getByText('this refund is above it').count()).toBe(1);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('exceeds the agent limit');
    expect((await caseStatus(caseId)).status).not.toMatch(/REFUND/);
    // An override above the limit is refused in the page, before any request; the case is unchanged.
    const before = await caseStatus(caseId);
    await page.getByLabel(/^Amount/).fill('99999');
    await page.getByLabel('Reason', { exact: true }).fill('goodwill');
    await page.getByRole('button', { name: 'Override' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('is above your refund limit');
    expect((await caseStatus(caseId)).version).toBe(before.version);
    await context.close();

    const supervisor = await browser!.newContext();
    const page2 = await supervisor.newPage();
    await signIn(page2, 'supervisor');
    await page2.getByRole('button', { name: await returnIdOf(caseId) }).waitFor();
    await page2.screenshot({ path: `${imagesDir}console-queue.png`, fullPage: true });
    await openCase(page2, caseId);
    await page2.screenshot({ path: `${imagesDir}console-case.png`, fullPage: true });
    await page2.getByRole('button', { name: 'Approve', exact: true }).click();
    await page2.getByRole('status').filter({ hasText: 'approve: done.' }).waitFor();
    // The return leg (#15): a return-and-refund is held until the goods are back, then paid.
    await vi.waitFor(async () => expect((await caseStatus(caseId)).status).toBe('AWAITING_RETURN'), { timeout: 15_000, interval: 250 });
    const staffWrite = async (path: string, body: unknown) => {
      const { version } = await caseStatus(caseId);
      const res = await apiAs('supervisor', `/cases/${encodeURIComponent(caseId)}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'if-match': `"${version}"` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    };
    await staffWrite('return-shipment', { carrier: 'sf-express', trackingNumber: 'SFRETURN123' });
    await staffWrite('return-receipt', {});
    const refunded = await vi.waitFor(
      async () => {
        const c = await caseStatus(caseId);
        expect(c.status).toBe('REFUNDED');
        return c;
      },
      { timeout: 20_000, interval: 250 },
    );
    const ledger = (await (await fetch(`${paymentsUrl}/_control/ledger`)).json()) as { refunds: { caseId: string; reference: string }[] };
    expect(ledger.refunds.filter((r) => r.caseId === caseId).map((r) => r.reference)).toEqual([refunded.refund?.providerReference]);
    // The console shows it, too, after a reload of the case.
    await page2.getByRole('button', { name: 'Back to queue' }).click();
    await openCase(page2, caseId);
    await expect.poll(() => page2.getByRole('heading', { level: 2 }).textContent()).toContain('REFUNDED');
    await supervisor.close();
  }, 90_000);

  it('a stale ETag shows what changed and lets the user re-apply', async () => {
    const caseId = await createCase();
    await vi.waitFor(async () => expect((await caseStatus(caseId)).status).not.toBe('RECEIVED'), { timeout: 15_000, interval: 250 });
    const context = await browser!.newContext();
    const page = await context.newPage();
    await signIn(page, 'agent');
    await openCase(page, caseId);
    // Someone else writes meanwhile.
    const { version } = await caseStatus(caseId);
    const other = await apiAs('supervisor', `/cases/${caseId}/assign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'if-match': `"${version}"` },
      body: JSON.stringify({ assignee: 'agent-2' }),
    });
    expect(other.status, await other.clone().text()).toBe(200);
    await page.getByLabel('Note').fill('called the buyer');
    await page.getByRole('button', { name: 'Add note' }).click();
    const stale = page.locator('.stale');
    await stale.waitFor();
    expect(await stale.textContent()).toContain('assignee');
    await page.getByRole('button', { name: 'Re-apply note' }).click();
    await page.getByRole('status').filter({ hasText: 'note: done.' }).waitFor();
    const history = ((await (await apiAs('agent', `/cases/${caseId}`)).json()) as { history: { action: string }[] }).history.map(
      (e) => e.action,
    );
    expect(history.filter((a) => a === 'NOTE_ADDED')).toHaveLength(1);
    await context.close();
  }, 60_000);

  it('a long history: the newest 100 events first, the older ones on request', async () => {
    const caseId = await createCase();
    await vi.waitFor(async () => expect((await caseStatus(caseId)).status).not.toBe('RECEIVED'), { timeout: 15_000, interval: 250 });
    let { version } = await caseStatus(caseId);
    for (let i = 0; i < 105; i++) {
      const note = await apiAs('supervisor', `/cases/${caseId}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'if-match': `"${version}"` },
        body: JSON.stringify({ text: `follow-up ${i}` }),
      });
      expect(note.status, await note.clone().text()).toBe(200);
      version += 1;
    }
    const context = await browser!.newContext();
    const page = await context.newPage();
    await signIn(page, 'agent');
    await openCase(page, caseId);
    const events = page.locator('.timeline li');
    await expect.poll(() => events.count()).toBe(100);
    expect(await events.last().textContent()).toContain(`v${version} NOTE_ADDED`);
    // Twice in quick succession, as an impatient user would: the older page still shows once.
    await page.getByRole('button', { name: 'Show earlier events' }).dblclick();
    // Every event now, oldest first (the case's creation on top), and nothing more to load.
    await expect.poll(() => events.count()).toBeGreaterThan(105);
    expect(await events.first().textContent()).toContain('v1 ');
    expect(await page.getByRole('button', { name: 'Show earlier events' }).count()).toBe(0);
    const texts = await events.allTextContents();
    expect(new Set(texts).size).toBe(texts.length);
    await context.close();
  }, 90_000);

  it('shows the seller’s recovery report (#19): buyers made whole and who bore it, by currency', async () => {
    await createCase();
    const context = await browser!.newContext();
    const page = await context.newPage();
    await signIn(page, 'manager');
    await page.getByRole('button', { name: 'Show recovery report' }).click();
    const table = page.getByTestId('recovery');
    await table.waitFor();
    expect(await table.getByRole('rowheader', { name: 'EUR' }).count()).toBe(1);
    await context.close();
  }, 60_000);

  it("another seller's case is not reachable", async () => {
    const caseId = await createCase();
    const context = await browser!.newContext();
    const page = await context.newPage();
    await signIn(page, 'manager', 'SELLER-OTHER');
    await expect.poll(() => page.locator('[data-testid="count-page"]').textContent()).toBe('0 on this page');
    expect(await page.locator('[data-testid="count-matching"]').textContent()).toBe('0 matching');
    expect((await apiAs('manager', `/cases/${caseId}`, {}, 'SELLER-OTHER')).status).toBe(404);
    await context.close();
  }, 60_000);

  it('axe-core finds no serious or critical violations on the queue and case pages', async () => {
    const caseId = await createCase();
    await vi.waitFor(async () => expect((await caseStatus(caseId)).status).not.toBe('RECEIVED'), { timeout: 15_000, interval: 250 });
    const context = await browser!.newContext();
    const page = await context.newPage();
    await signIn(page, 'supervisor');
    await openCase(page, caseId).catch(() => undefined);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Back to queue' }).click();
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('signs in with the authorization code and PKCE: the token stays in memory, the code leaves the address bar, a forged answer is refused', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    const tokenCalls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/oauth2/token') tokenCalls.push(r.postData() ?? '');
    });
    await page.goto(`${baseUrl}/console`);
    await page.getByRole('button', { name: 'Sign in with your staff account' }).click();
    await page.waitForURL((url) => url.pathname === '/oauth2/authorize');
    const authorize = new URL(page.url());
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${baseUrl}/console/`);
    await page.getByLabel('Role').selectOption('supervisor');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    expect(page.url()).toBe(`${baseUrl}/console/`);
    expect(tokenCalls).toHaveLength(1);
    const form = new URLSearchParams(tokenCalls[0]);
    expect(form.get('grant_type')).toBe('authorization_code');
    const challenge = createHash('sha256')
      .update(form.get('code_verifier') ?? '')
      .digest('base64url');
    expect(challenge).toBe(authorize.searchParams.get('code_challenge'));
    // Nothing of the session in storage: tokens live in memory; the pending verifier is gone.
    const stored = await page.evaluate(
      'JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })',
    );
    expect(stored).toBe(JSON.stringify({ local: {}, session: {}, cookie: '' }));
    // A reload signs out (memory only); an answer with a state this tab never sent is refused.
    await page.goto(`${baseUrl}/console/?code=stolen&state=forged`);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('does not belong to a sign-in started here');
    expect(page.url()).toBe(`${baseUrl}/console/`);
    expect(tokenCalls).toHaveLength(1);
    await context.close();
  }, 60_000);

  it('keyboard only: sign in, open a case from the queue, and approve it', async () => {
    const caseId = await createCase(20_000);
    await vi.waitFor(async () => expect((await caseStatus(caseId)).status).not.toBe('RECEIVED'), { timeout: 15_000, interval: 250 });
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console`);
    await page.getByRole('button', { name: 'Sign in with your staff account' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Sign in with your staff account');
    await page.keyboard.press('Enter');
    await page.getByLabel('Seller').waitFor();
    // The sign-in page's tab order: seller, role, user, sign in.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('sellerId');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown'); // agent → supervisor: EUR 200.00 is above an agent's limit
    expect(await page.getByLabel('Role').inputValue()).toBe('supervisor');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Sign in');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    const { marketplaceReturnId } = ((await (await apiAs('agent', `/cases/${caseId}`)).json()) as { case: { marketplaceReturnId: string } })
      .case;
    const target = page.getByRole('button', { name: marketplaceReturnId });
    const focused = () => page.evaluate('document.activeElement?.textContent');
    await target.waitFor();
    for (let i = 0; i < 100; i++) {
      if ((await focused()) === marketplaceReturnId) break;
      await page.keyboard.press('Tab');
    }
    expect(await focused()).toBe(marketplaceReturnId);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: new RegExp(`Case ${marketplaceReturnId}`) }).waitFor();
    for (let i = 0; i < 100; i++) {
      if ((await focused()) === 'Approve') break;
      await page.keyboard.press('Tab');
    }
    expect(await focused()).toBe('Approve');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'approve: done.' }).waitFor();
    await context.close();
  }, 60_000);
});
