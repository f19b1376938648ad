import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { signDevToken } from '#local/dev-auth.ts';
import { findFreePort, isProcessAlive } from '#local/engines.ts';
import { buildSamplePayload, signedRequest } from '#local/sample-webhook.ts';
import { caseIdFor } from '#lib/workflow/case.ts';

/**
 * `npm start` end to end: the runtime as a child process on free ports, in memory. It must
 * come up healthy, serve a signed webhook and the case it created through the real handlers,
 * and on SIGINT exit 0 with its Java process gone.
 */

const startScript = fileURLToPath(new URL('../../local/start.ts', import.meta.url));
const PID_LINE = /dynamodb-local pid=(\d+)/;

let child: ChildProcess | undefined;
let javaPid: number | undefined;
let output = '';

afterAll(() => {
  // Only if an assertion failed half-way: never leave the runtime or its Java behind.
  if (child?.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  if (javaPid !== undefined && isProcessAlive(javaPid)) process.kill(javaPid, 'SIGKILL');
});

describe('local runtime (node local/start.ts)', () => {
  it('serves signed webhooks through the real handlers, pays the refund, and shuts down cleanly on SIGINT', async () => {
    const [port, dynamodbPort, sqsPort, paymentsPort, stripePort] = [
      await findFreePort(),
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
        STRIPE_PORT: String(stripePort),
        SCHEDULE_EVERY_MS: '60000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const baseUrl = `http://127.0.0.1:${port}`;

    await vi.waitFor(
      async () => {
        if (child?.exitCode !== null) throw new Error(`runtime exited early:\n${output}`);
        const health = await fetch(`${baseUrl}/health`);
        expect(health.status).toBe(200);
      },
      { timeout: 30_000, interval: 250 },
    );
    javaPid = Number(PID_LINE.exec(output)?.[1]);
    expect(isProcessAlive(javaPid)).toBe(true);

    const returnId = `RET-${process.pid}-${Date.now()}`;
    const request = signedRequest({ baseUrl, body: JSON.stringify(buildSamplePayload({ returnId })) });
    const accepted = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
    const acceptedBody = (await accepted.json()) as { caseId?: unknown };
    expect(accepted.status, JSON.stringify(acceptedBody)).toBe(202);
    expect(acceptedBody.caseId).toEqual(expect.any(String));

    // The seller API sits behind the JWT authorizer: no token, 401; a dev staff token of the
    // sample's seller reads the case.
    const caseUrl = `${baseUrl}/cases/${encodeURIComponent(String(acceptedBody.caseId))}`;
    expect((await fetch(caseUrl)).status).toBe(401);

    // What no route takes goes to the manifest's $default function, as in API Gateway: a problem, not {"message"}.
    const unknown = await fetch(`${baseUrl}/cases/${encodeURIComponent(String(acceptedBody.caseId))}/teleport`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(await unknown.json()).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND', detail: expect.stringContaining('POST /cases/') });
    // The gateway's line for it names the function that answered (it is written just after the answer).
    await vi.waitFor(() => expect(output).toMatch(/POST \/cases\/\S+\/teleport -> 404 function=route-not-found/), { timeout: 5_000 });
    const staff = {
      authorization: `Bearer ${await signDevToken({ sellerId: buildSamplePayload().return.sellerId, role: 'agent', userId: 'agent-1' })}`,
    };
    const read = await fetch(caseUrl, { headers: staff });
    expect(read.status).toBe(200);

    // The sample is a defect the seller answers for, within an agent's authority: the refund is
    // held until the goods are back (#15); the sample return parcel (`npm run sign -- --event-type
    // return.shipment`) is received, and the refund goes through the queue to the worker and the
    // payment simulator, once.
    expect(((await read.json()) as { case: { status: string } }).case.status).toBe('AWAITING_RETURN');
    const parcel = signedRequest({ baseUrl, body: JSON.stringify(buildSamplePayload({ returnId, eventType: 'return.shipment' })) });
    const shipped = await fetch(parcel.url, { method: parcel.method, headers: parcel.headers, body: parcel.body });
    expect(shipped.status).toBe(202);
    const refunded = await vi.waitFor(
      async () => {
        const res = await fetch(caseUrl, { headers: staff });
        const body = (await res.json()) as { case: { status: string; refund?: { providerReference?: string } } };
        expect(body.case.status).toBe('REFUNDED');
        return body.case;
      },
      { timeout: 20_000, interval: 250 },
    );
    const ledger = (await (await fetch(`http://127.0.0.1:${paymentsPort}/_control/ledger`)).json()) as {
      refunds: { caseId: string; reference: string }[];
    };
    expect(ledger.refunds.filter((r) => r.caseId === acceptedBody.caseId).map((r) => r.reference)).toEqual([
      refunded.refund?.providerReference,
    ]);

    // The refund router (#16): the seller SELLER-STRIPE is paid through Stripe (locally its
    // stand-in, through the official SDK), on the payment intent its return names.
    const stripeReturnId = `${returnId}-stripe`;
    const withStripe = (payload: ReturnType<typeof buildSamplePayload>) => {
      const ret = payload.return as Record<string, unknown>;
      ret.sellerId = 'SELLER-STRIPE';
      if (payload.eventType === 'return.requested')
        ret.payments = [{ provider: 'stripe', reference: 'pi_dev_standin_1', captured: 50_000, currency: 'EUR' }];
      return JSON.stringify(payload);
    };
    for (const eventType of ['return.requested', 'return.shipment'] as const) {
      const sent = signedRequest({ baseUrl, body: withStripe(buildSamplePayload({ returnId: stripeReturnId, eventType })) });
      const answer = await fetch(sent.url, { method: sent.method, headers: sent.headers, body: sent.body });
      expect(answer.status, await answer.clone().text()).toBe(202);
    }
    const stripeCaseUrl = `${baseUrl}/cases/${encodeURIComponent(caseIdFor('demo-market', stripeReturnId))}`;
    const stripeStaff = { authorization: `Bearer ${await signDevToken({ sellerId: 'SELLER-STRIPE', role: 'agent', userId: 'agent-1' })}` };
    const paidByStripe = await vi.waitFor(
      async () => {
        const body = (await (await fetch(stripeCaseUrl, { headers: stripeStaff })).json()) as {
          case: { status: string; refund?: { providerReference?: string; payment?: unknown } };
        };
        expect(body.case.status).toBe('REFUNDED');
        return body.case;
      },
      { timeout: 20_000, interval: 250 },
    );
    expect(paidByStripe.refund?.payment).toEqual({ provider: 'stripe', reference: 'pi_dev_standin_1' });
    const stripeLedger = (await (await fetch(`http://127.0.0.1:${stripePort}/_control/ledger`)).json()) as { refunds: { id: string }[] };
    expect(stripeLedger.refunds.map((r) => r.id)).toEqual([paidByStripe.refund?.providerReference]);

    const unsigned = await fetch(request.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request.body });
    expect(unsigned.status).toBe(401);

    child.kill('SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal }, output).toEqual({ code: 0, signal: null });
    let javaCheck = 'exists';
    try {
      process.kill(javaPid, 0);
    } catch (error) {
      javaCheck = (error as NodeJS.ErrnoException).code ?? 'unknown';
    }
    expect(javaCheck).toBe('ESRCH');
  }, 60_000);
});
