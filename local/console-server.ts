import { z } from 'zod';
import { staffRoles } from '#lib/contract/roles.ts';
import { buildConsole, CONSOLE_HEADERS, CONSOLE_HTML, type ConsoleBundle, consoleCsp } from '../console/build.ts';
import { signDevToken } from './dev-auth.ts';
import type { ExtraRoute, PlainResponse } from './http-gateway.ts';

/**
 * The staff console, served by the local runtime at /console: bundled by esbuild at start
 * (in memory, well under a second), with the same strict headers CloudFront sends in AWS.
 * Locally the console and the API share one origin, so `connect-src 'self'` is the API.
 * POST /console/dev-sign-in mints a dev staff token the way `npm run token` does: the
 * signing key stays in this process, never in the browser.
 */

export type { ConsoleBundle };

const SignIn = z.object({
  sellerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
  role: z.enum(staffRoles),
  userId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
});

function problemJson(status: number, detail: string, field?: string): PlainResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify({
      type: 'about:blank',
      title: status === 415 ? 'Unsupported Media Type' : 'Bad Request',
      status,
      detail,
      code: 'VALIDATION_FAILED',
      ...(field === undefined ? {} : { issues: [{ path: field, message: detail }] }),
    }),
  };
}

/**
 * The console's routes. With `cognito` (the managed-login stand-in), `/console/config.json`
 * names it, as the CDK app's deployment does in AWS, and the console signs in through it
 * (code + PKCE); the CSP then lets the page call its token endpoint. Without, no config.json:
 * the console offers the dev sign-in below.
 */
export { buildConsole };

export function consoleRoutes(bundle: ConsoleBundle, cognito?: { domain: string; clientId: string }): ExtraRoute[] {
  const headers =
    cognito === undefined ? CONSOLE_HEADERS : { ...CONSOLE_HEADERS, 'content-security-policy': consoleCsp(`'self' ${cognito.domain}`) };
  const page = (body: string | Buffer, type: string): PlainResponse => ({
    status: 200,
    headers: { ...headers, 'content-type': type },
    body,
  });
  return [
    ...(cognito === undefined
      ? []
      : [
          {
            method: 'GET',
            path: '/console/config.json',
            handle: async () => page(JSON.stringify({ cognito }), 'application/json'),
          } as ExtraRoute,
        ]),
    { method: 'GET', path: '/console', handle: async () => page(CONSOLE_HTML, 'text/html; charset=utf-8') },
    { method: 'GET', path: '/console/', handle: async () => page(CONSOLE_HTML, 'text/html; charset=utf-8') },
    { method: 'GET', path: '/console/app.js', handle: async () => page(bundle.js, 'text/javascript; charset=utf-8') },
    { method: 'GET', path: '/console/app.css', handle: async () => page(bundle.css, 'text/css; charset=utf-8') },
    {
      method: 'POST',
      path: '/console/dev-sign-in',
      async handle(request) {
        if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
          return problemJson(415, 'Send the sign-in as application/json.');
        }
        let json: unknown;
        try {
          json = JSON.parse(request.body.toString('utf8'));
        } catch {
          return problemJson(400, 'The body is not valid JSON.');
        }
        const parsed = SignIn.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue?.path.join('.') ?? '';
          return problemJson(400, `${field || 'body'}: ${issue?.message ?? 'invalid'}`, field);
        }
        const token = await signDevToken({ ...parsed.data, expiresIn: '1h' });
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...CONSOLE_HEADERS },
          body: JSON.stringify({ token, sellerId: parsed.data.sellerId, role: parsed.data.role, userId: parsed.data.userId }),
        };
      },
    },
  ];
}
