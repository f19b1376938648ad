import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCaseStore } from '#lib/adapters/dynamodb-case-store.ts';
import { StaticPolicyProvider } from '#lib/adapters/static-policy-provider.ts';
import { httpHandler } from '#lib/http/http-handler.ts';
import { getCaseRoute } from '#lib/http/routes/get-case.ts';
import { createConsoleLogger } from '#local/console-logger.ts';
import { signDevToken, verifyDevToken } from '#local/dev-auth.ts';
import { DEV_JWT } from '#local/dev-secrets.ts';
import { createHttpGateway, type HttpGateway, type HttpHandler } from '#local/http-gateway.ts';
import { createTestTable, documentClient } from '#test/support/engines.ts';
import { seedCase } from '#test/support/staff-factory.ts';

/**
 * The local gateway as the JWT authorizer: missing, malformed, expired or wrongly signed
 * tokens are 401 before any function runs; a valid token's claims reach the function in
 * API Gateway's shape, and the real get-case handler reads them.
 */

const execFileAsync = promisify(execFile);
const tokenScript = fileURLToPath(new URL('../../local/dev-token.ts', import.meta.url));

const invocations: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
let gateway: HttpGateway;
let baseUrl: string;
let store: DynamoDbCaseStore;

beforeAll(async () => {
  store = new DynamoDbCaseStore(documentClient(), await createTestTable());
  const recording: HttpHandler = async (event) => {
    invocations.push(event as APIGatewayProxyEventV2WithJWTAuthorizer);
    return { statusCode: 200, body: '{}' };
  };
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  gateway = createHttpGateway(
    [
      { method: 'GET', path: '/echo', functionName: 'echo', auth: 'jwt', handler: recording },
      { method: 'GET', path: '/open', functionName: 'open', handler: recording },
      {
        method: 'GET',
        path: '/cases/{id}',
        functionName: 'get-case',
        auth: 'jwt',
        handler: httpHandler(getCaseRoute({ store, policies: new StaticPolicyProvider() })) as HttpHandler,
      },
    ],
    { log: createConsoleLogger({ level: 'silent', stream: quiet, errorStream: quiet }), jwtAuthorizer: verifyDevToken },
  );
  baseUrl = `http://127.0.0.1:${await gateway.listen(0, '127.0.0.1')}`;
});

afterAll(async () => {
  await gateway.close();
});

const get = (path: string, authorization?: string) =>
  fetch(`${baseUrl}${path}`, { headers: authorization === undefined ? {} : { authorization } });

describe('local JWT authorizer', () => {
  const valid = () => signDevToken({ sellerId: 'S1', role: 'agent', userId: 'agent-1' });

  it.each([
    ['no Authorization header', async () => undefined],
    ['an empty bearer', async () => 'Bearer '],
    ['another scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a malformed token', async () => 'Bearer not.a-jwt'],
    ['two parts only', async () => `Bearer ${(await valid()).split('.').slice(0, 2).join('.')}`],
    [
      'an expired token',
      async () =>
        `Bearer ${await signDevToken({ sellerId: 'S1', role: 'agent', userId: 'agent-1', expiresIn: Math.floor(Date.now() / 1000) - 60 })}`,
    ],
    [
      'a token signed with another key',
      async () =>
        `Bearer ${await signDevToken({ sellerId: 'S1', role: 'agent', userId: 'agent-1', secret: 'some-other-secret-that-is-long-enough-000000' })}`,
    ],
    [
      'a token with its payload edited',
      async () => {
        const [h, p, s] = (await valid()).split('.');
        const edited = Buffer.from(
          JSON.stringify({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), 'custom:sellerId': 'S2' }),
        ).toString('base64url');
        return `Bearer ${h}.${edited}.${s}`;
      },
    ],
    [
      'an unsigned token (alg none)',
      async () => {
        const [, p] = (await valid()).split('.');
        return `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
      },
    ],
  ])('401 for %s, without calling the function', async (_name, header) => {
    const before = invocations.length;
    const res = await get('/echo', await header());
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    // A problem like every refusal, keeping API Gateway's own `message` member.
    expect(await res.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized', requestId: expect.any(String) });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(invocations.length).toBe(before);
  });

  it('passes a valid token’s claims as requestContext.authorizer.jwt.claims, rendered as API Gateway does', async () => {
    const res = await get('/echo', `Bearer ${await signDevToken({ sellerId: 'S1', role: 'supervisor', userId: 'sup-7' })}`);
    expect(res.status).toBe(200);
    const claims = invocations.at(-1)?.requestContext.authorizer.jwt.claims;
    expect(claims).toMatchObject({
      sub: 'sup-7',
      'custom:sellerId': 'S1',
      'cognito:groups': '[supervisor]',
      iss: DEV_JWT.issuer,
      aud: DEV_JWT.audience,
    });
    expect(typeof claims?.exp).toBe('string');
  });

  it('routes without auth are called with no authorizer, token or not', async () => {
    expect((await get('/open')).status).toBe(200);
    expect(invocations.at(-1)?.requestContext.authorizer).toBeUndefined();
  });

  it('the real handler reads the gateway’s claims: own case 200, another seller’s 404, a token without a seller 403', async () => {
    const own = await seedCase(store, { sellerId: 'S1' });
    const theirs = await seedCase(store, { sellerId: 'S2' });
    const token = `Bearer ${await valid()}`;
    const ok = await get(`/cases/${own.caseId}`, token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"1"');
    expect((await get(`/cases/${theirs.caseId}`, token)).status).toBe(404);
    const sellerless = await get(
      `/cases/${own.caseId}`,
      `Bearer ${await signDevToken({ sellerId: null, role: 'agent', userId: 'agent-1' })}`,
    );
    expect(sellerless.status).toBe(403);
    expect(((await sellerless.json()) as { detail: string }).detail).toContain('custom:sellerId');
    const unknownRole = await get(`/cases/${own.caseId}`, `Bearer ${await signDevToken({ sellerId: 'S1', role: 'owner', userId: 'x' })}`);
    expect(unknownRole.status).toBe(403);
  });

  it('refuses to start a JWT route without an authorizer', () => {
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    expect(() =>
      createHttpGateway([{ method: 'GET', path: '/x', functionName: 'x', auth: 'jwt', handler: async () => ({ statusCode: 200 }) }], {
        log: createConsoleLogger({ level: 'silent', stream: quiet, errorStream: quiet }),
      }),
    ).toThrow(/needs a JWT authorizer/);
  });
});

describe('npm run token', () => {
  it('prints a token the local gateway accepts, with the requested claims', async () => {
    const { stdout } = await execFileAsync(process.execPath, [
      tokenScript,
      '--seller',
      'S1',
      '--role',
      'manager',
      '--user',
      'u1',
      '--expires',
      '10m',
    ]);
    const claims = await verifyDevToken(stdout.trim());
    expect(claims).toMatchObject({ sub: 'u1', 'custom:sellerId': 'S1', 'cognito:groups': '[manager]' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(600);
  });

  it('refuses an unknown role (exit 2)', async () => {
    await expect(execFileAsync(process.execPath, [tokenScript, '--seller', 'S1', '--role', 'owner'])).rejects.toMatchObject({ code: 2 });
  });
});
