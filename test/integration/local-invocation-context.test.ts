import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpHandler } from '#lib/http/http-handler.ts';
import { logger } from '#lib/observability.ts';
import { scheduledHandler } from '#lib/schedule/scheduled-handler.ts';
import { createConsoleLogger, silentLogger } from '#local/console-logger.ts';
import { createHttpGateway, type HttpGateway, type HttpHandler } from '#local/http-gateway.ts';
import { type Scheduler, startScheduler } from '#local/scheduler.ts';

/**
 * The local runtime runs every handler in one process, so invocations interleave: here a
 * scheduled job starts while an HTTP request is in flight, and the request then fails with a
 * 500. Each log line must carry its own invocation's function name, request id and
 * correlation id, and the request id the client was shown must be in the request's lines.
 */

type LogLine = { level: string; message: string; function_name?: string; function_request_id?: string; correlation_id?: string };

/** A promise with its resolve, to hold a handler at a chosen point. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

const powertoolsOutput: string[] = [];
let gatewayLog = '';
let gateway: HttpGateway;
let scheduler: Scheduler;
let port: number;

const routeEntered = gate<Context>();
const releaseRoute = gate();
const jobEntered = gate<{ eventId: string; context: Context }>();
const releaseJob = gate();

beforeAll(async () => {
  // Powertools writes JSON lines straight to the process streams (not through console.*).
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      powertoolsOutput.push(String(chunk));
      return true;
    });
  }
  const failingRoute = httpHandler(async function getCaseThatFails(_event, context) {
    routeEntered.open(context);
    await releaseRoute.promise;
    throw new Error('the store is unreachable');
  }) as unknown as HttpHandler;
  const relayJob = scheduledHandler('relay-refund-outbox', async function relay(event, context) {
    jobEntered.open({ eventId: event.id, context });
    await releaseJob.promise;
    logger.warn('outbox entries still waiting');
    return { relayed: 0 };
  });
  const sink = new Writable({
    write(chunk, _enc, done) {
      gatewayLog += String(chunk);
      done();
    },
  });
  gateway = createHttpGateway([{ method: 'GET', path: '/cases/{id}', functionName: 'get-case', handler: failingRoute }], {
    log: createConsoleLogger({ level: 'info', stream: sink, errorStream: sink }),
  });
  port = await gateway.listen(0, '127.0.0.1');
  scheduler = startScheduler({ name: 'relay-refund-outbox', everyMs: 3_600_000, handler: relayJob, log: silentLogger });
});

afterAll(async () => {
  releaseRoute.open();
  releaseJob.open();
  await scheduler?.stop();
  await gateway?.close();
  vi.restoreAllMocks();
});

function get(path: string): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'GET', path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function powertoolsLines(): LogLine[] {
  return powertoolsOutput
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

describe('per-invocation log context in the local runtime', () => {
  it('a 500 logged while a scheduled job runs carries the request’s own function, request id and correlation id', async () => {
    // Prepare: the HTTP request is inside its handler when the scheduled job starts.
    const answer = get(`/cases/cs_${'a'.repeat(24)}`);
    const route = await routeEntered.promise;
    const run = scheduler.runNow();
    const job = await jobEntered.promise;

    // Act: the request fails while the job is still running; then the job logs and ends.
    releaseRoute.open();
    const res = await answer;
    releaseJob.open();
    await run;

    // Assess: the client was shown one request id, in the header and the error body...
    expect(res.status).toBe(500);
    const requestId = res.body.requestId as string;
    expect(requestId).toEqual(expect.any(String));
    expect(res.headers['apigw-requestid']).toBe(requestId);
    // ...and the request's error line carries it, under the request's own function.
    const lines = powertoolsLines();
    const failed = lines.find((l) => l.message === 'request failed');
    expect(failed).toMatchObject({
      level: 'ERROR',
      function_name: 'get-case',
      function_request_id: route.awsRequestId,
      correlation_id: requestId,
    });
    // The job's line, written after the request ended, still carries the job's keys.
    const jobLine = lines.find((l) => l.message === 'outbox entries still waiting');
    expect(jobLine).toMatchObject({
      function_name: 'relay-refund-outbox',
      function_request_id: job.context.awsRequestId,
      correlation_id: job.eventId,
    });
    // The gateway's own line for the request names the same request id.
    expect(gatewayLog).toContain(`GET /cases/cs_${'a'.repeat(24)} -> 500 function=get-case requestId=${JSON.stringify(requestId)}`);
  });
});
