import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLogger } from '#local/console-logger.ts';
import { createHttpGateway, type HttpGateway, type HttpHandler, MAX_BODY_BYTES } from '#local/http-gateway.ts';

/** The local API Gateway: event shape, result mapping and API Gateway's own error answers. */

const invocations: { event: APIGatewayProxyEventV2; context: Context }[] = [];
let stderr = '';
let stdout = '';
let gateway: HttpGateway;
let port: number;
let healthy = true;

function recording(result: (event: APIGatewayProxyEventV2) => unknown): HttpHandler {
  return async function record(event, context) {
    invocations.push({ event, context });
    return result(event);
  };
}

beforeAll(async () => {
  const sink = (write: (text: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        write(String(chunk));
        done();
      },
    });
  const log = createConsoleLogger({ level: 'info', stream: sink((t) => (stdout += t)), errorStream: sink((t) => (stderr += t)) });
  gateway = createHttpGateway(
    [
      {
        method: 'POST',
        path: '/webhooks/{marketplace}',
        functionName: 'echo',
        handler: recording(() => ({ statusCode: 202, headers: { 'X-Thing': 1 }, body: '{"ok":true}', cookies: ['a=1', 'b=2'] })),
      },
      { method: 'GET', path: '/plain/{id}', functionName: 'plain', handler: recording(() => 'just text') },
      { method: 'GET', path: '/object', functionName: 'object', handler: recording(() => ({ hello: 'world' })) },
      {
        method: 'GET',
        path: '/binary',
        functionName: 'binary',
        handler: recording(() => ({ statusCode: 200, body: Buffer.from([0, 1, 2]).toString('base64'), isBase64Encoded: true })),
      },
      {
        method: 'GET',
        path: '/boom',
        functionName: 'boom',
        handler: recording(() => {
          throw new Error('kaboom');
        }),
      },
      { method: 'ANY', path: '/files/{proxy+}', functionName: 'files', handler: recording(() => ({ statusCode: 204 })) },
    ],
    {
      log,
      health: async () => (healthy ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'unavailable' } }),
    },
  );
  port = await gateway.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await gateway.close();
});

type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/** node:http rather than fetch: fetch would merge repeated headers before sending them. */
function send(method: string, path: string, headers: Record<string, string | string[]> = {}, body?: Buffer | string): Promise<Raw> {
  return new Promise<Raw>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function lastInvocation() {
  const last = invocations.at(-1);
  if (last === undefined) throw new Error('no invocation');
  return last;
}

describe('http gateway', () => {
  it('builds a payload format 2.0 event the way API Gateway does', async () => {
    const res = await send(
      'POST',
      '/webhooks/demo%2Dmarket?x=1&x=2&y=%C3%A9',
      { 'Content-Type': 'application/json', 'X-Multi': ['one', 'two'], Cookie: 's=1; t=2', 'User-Agent': 'test-agent' },
      '{"a":1}',
    );
    const { event, context } = lastInvocation();

    expect(res.status).toBe(202);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /webhooks/{marketplace}',
      rawPath: '/webhooks/demo%2Dmarket',
      rawQueryString: 'x=1&x=2&y=%C3%A9',
      cookies: ['s=1', 't=2'],
      queryStringParameters: { x: '1,2', y: 'é' },
      pathParameters: { marketplace: 'demo-market' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        http: { method: 'POST', path: '/webhooks/demo%2Dmarket', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent' },
        routeKey: 'POST /webhooks/{marketplace}',
        stage: '$default',
        domainName: `127.0.0.1:${port}`,
      },
    });
    expect(event.headers['x-multi']).toBe('one,two');
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(context.functionName).toBe('echo');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    // The structured result is written back with its headers and cookies.
    expect(res.headers['x-thing']).toBe('1');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.body.toString()).toBe('{"ok":true}');
  });

  it('base64-encodes bodies that are not text', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x10]);
    await send('POST', '/webhooks/m', { 'content-type': 'application/octet-stream' }, bytes);
    expect(lastInvocation().event).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });

  it('maps plain string and object results to 200 JSON, and decodes base64 results', async () => {
    const text = await send('GET', '/plain/1');
    const object = await send('GET', '/object');
    const binary = await send('GET', '/binary');
    expect([text.status, text.headers['content-type'], text.body.toString()]).toEqual([200, 'application/json', 'just text']);
    expect([object.status, JSON.parse(object.body.toString())]).toEqual([200, { hello: 'world' }]);
    expect([...binary.body]).toEqual([0, 1, 2]);
  });

  it('matches greedy path parameters and ANY', async () => {
    const res = await send('DELETE', '/files/a/b/c.txt');
    expect(res.status).toBe(204);
    expect(lastInvocation().event.pathParameters).toEqual({ proxy: 'a/b/c.txt' });
  });

  it('answers 404 ROUTE_NOT_FOUND for an unknown route or method, without invoking anything', async () => {
    const before = invocations.length;
    const unknown = await send('GET', '/nowhere');
    const wrongMethod = await send('GET', '/webhooks/m');
    expect(invocations).toHaveLength(before);
    for (const res of [unknown, wrongMethod]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body.toString())).toMatchObject({
        type: 'urn:dispute-desk:problem:route-not-found',
        status: 404,
        code: 'ROUTE_NOT_FOUND',
        instance: expect.any(String),
      });
    }
  });

  it('refuses a body over 10 MB with 413 and never invokes the handler', async () => {
    const before = invocations.length;
    const res = await send('POST', '/webhooks/m', { 'content-type': 'application/json' }, Buffer.alloc(MAX_BODY_BYTES + 1, 0x20));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request Entity Too Large' });
    expect(invocations).toHaveLength(before);
  });

  it('answers a throwing handler with API Gateway’s generic 500 and logs the error', async () => {
    const res = await send('GET', '/boom');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body.toString())).toEqual({
      type: 'urn:dispute-desk:problem:internal-error',
      title: 'Internal error',
      status: 500,
      detail: expect.any(String),
      code: 'INTERNAL_ERROR',
      requestId: res.headers['apigw-requestid'],
      message: 'Internal Server Error',
    });
    expect(res.body.toString()).not.toContain('kaboom');
    expect(stderr).toContain('kaboom');
    expect(stderr).toContain('function=boom');
  });

  it('reports health through the callback: 200 when up, 503 when not', async () => {
    healthy = true;
    const up = await send('GET', '/health');
    healthy = false;
    const down = await send('GET', '/health');
    expect([up.status, JSON.parse(up.body.toString())]).toEqual([200, { status: 'ok' }]);
    expect([down.status, JSON.parse(down.body.toString())]).toEqual([503, { status: 'unavailable' }]);
  });
});

/** What came back on a raw connection: status, headers and body, read until the server closed it. */
type RawAnswer = { status: number; headers: Record<string, string>; body: string };

/** Writes bytes no HTTP client library would send, then reads until the server closes. */
function sendRaw(bytes: string, options: { abortAfterWrite?: boolean } = {}): Promise<RawAnswer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (options.abortAfterWrite) setTimeout(() => socket.destroy(), 50);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') return resolve(undefined);
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

/** A gateway refusal: a problem (RFC 9457), the error code, and the request id in header, body and log line alike. */
function expectJsonRefusal(answer: RawAnswer | undefined, status: number, code: string): void {
  expect(answer?.status).toBe(status);
  expect(answer?.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(answer?.body ?? '') as { code: string; status: number; detail: string; type: string; requestId: string };
  expect(body).toMatchObject({ code, status, detail: expect.any(String), type: expect.stringMatching(/^urn:dispute-desk:problem:/) });
  expect(body.requestId).toBe(answer?.headers['apigw-requestid']);
  expect(stdout).toContain(`-> ${status} requestId=${JSON.stringify(body.requestId)}`);
}

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(20);
}

describe('refusals from below the gateway (Node’s HTTP parser), over raw sockets', () => {
  it('431 with the JSON error body for headers too large', async () => {
    const answer = await sendRaw(`GET /object HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectJsonRefusal(answer, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
  });

  it('400 with the JSON error body for a malformed chunked body; the handler never runs and no 500 is logged', async () => {
    const before = invocations.length;
    stderr = '';
    stdout = '';
    const answer = await sendRaw(
      'POST /webhooks/m HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\nzz\r\n1}\r\n0\r\n\r\n',
    );
    expectJsonRefusal(answer, 400, 'MALFORMED_REQUEST');
    expect(JSON.parse(answer?.body ?? '').detail).toContain('chunk size');
    await sleep(50);
    expect(invocations).toHaveLength(before);
    expect(stderr).toBe('');
    expect(stdout).not.toContain('-> 500');
  });

  it('a client that aborts mid-body is logged as a client abort at info, not as a 500', async () => {
    const before = invocations.length;
    stderr = '';
    stdout = '';
    const answer = await sendRaw(
      'POST /webhooks/m HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"partial":',
      { abortAfterWrite: true },
    );
    expect(answer).toBeUndefined();
    await eventually(() => stdout.includes('client closed the connection'));
    expect(stdout).toMatch(/INFO .*POST \/webhooks\/m -> client closed the connection mid-request/);
    expect(stdout).not.toContain('-> 500');
    expect(stderr).toBe('');
    expect(invocations).toHaveLength(before);
  });

  it('a missing Host header and an unmet Expect get the JSON error body too', async () => {
    expectJsonRefusal(await sendRaw('GET /object HTTP/1.1\r\nConnection: close\r\n\r\n'), 400, 'MALFORMED_REQUEST');
    expectJsonRefusal(
      await sendRaw('POST /webhooks/m HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\n{}'),
      417,
      'EXPECTATION_FAILED',
    );
  });
});
