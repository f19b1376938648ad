import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import chromium from '@sparticuz/chromium';
import { chromium as playwright } from 'playwright-core';
import { findFreePort } from '#local/engines.ts';
import { buildSamplePayload, signedRequest } from '#local/sample-webhook.ts';

/**
 * `node bench/console.ts`: time to a usable queue in headless Chromium against the local
 * runtime (in memory) holding CASES cases: from navigation to /console, through the dev
 * sign-in, to the first queue row being clickable. Writes bench/results/console.md.
 */

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const CASES = 50;
const RUNS = 10;

const [port, dynamodbPort, sqsPort, paymentsPort] = [
  await findFreePort(),
  await findFreePort(),
  await findFreePort(),
  await findFreePort(),
];
const child: ChildProcess = spawn(process.execPath, [join(root, 'local', 'start.ts')], {
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
    STRIPE_PORT: '0',
    SCHEDULE_EVERY_MS: '60000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const baseUrl = `http://127.0.0.1:${port}`;
try {
  for (;;) {
    if (child.exitCode !== null) throw new Error('runtime exited');
    if ((await fetch(`${baseUrl}/health`).catch(() => undefined))?.status === 200) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  for (let i = 0; i < CASES; i++) {
    const payload = buildSamplePayload();
    if ('money' in payload.return) payload.return.money = { ...payload.return.money, itemValue: 50_000, amountPaid: 50_000 };
    const request = signedRequest({ baseUrl, body: JSON.stringify(payload) });
    await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  }
  const js = Buffer.from(await (await fetch(`${baseUrl}/console/app.js`)).arrayBuffer());
  const browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    args: ['--no-sandbox', '--no-zygote', '--disable-gpu', '--disable-dev-shm-usage'],
    headless: true,
  });
  const timings: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${baseUrl}/console`);
      // Signing in as in AWS: to the managed login (its local stand-in) and back (code + PKCE).
      await page.getByRole('button', { name: 'Sign in with your staff account' }).click();
      await page.getByLabel('Role').selectOption('supervisor');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('table.queue tbody tr button').first().waitFor();
      timings.push(performance.now() - started);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  timings.sort((a, b) => a - b);
  const at = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))]?.toFixed(0);
  const section = `## Staff console: time to a usable queue

\`node bench/console.ts\`: headless Chromium (@sparticuz/chromium, playwright-core) against the
local runtime in memory with ${CASES} cases; from navigating to /console, through the sign-in
(to the managed-login stand-in and back: code + PKCE, as in AWS), to the first queue row being
clickable; ${RUNS} runs, each in a fresh browser context.

| metric | value |
|---|---|
| median | ${at(0.5)} ms |
| max | ${at(1)} ms |
| console JS | ${(js.length / 1024).toFixed(1)} KB (${(gzipSync(js).length / 1024).toFixed(1)} KB gzipped) |

Measured ${new Date().toISOString().slice(0, 10)} on a shared 2-core machine; a measurement, not a test.
`;
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'console.md'), section);
  process.stdout.write(section);
} finally {
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  await exited;
}
