import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { z } from 'zod';
import { staffRoles } from '#lib/contract/roles.ts';
import { signDevToken } from './dev-auth.ts';
import type { ExtraRoute, PlainResponse } from './http-gateway.ts';

/**
 * The staff console, served by the local runtime at /console: bundled by esbuild at start
 * (in memory, well under a second), with the same strict headers CloudFront sends in AWS.
 * Locally the console and the API share one origin, so `connect-src 'self'` is the API.
 * POST /console/dev-sign-in mints a dev staff token the way `npm run token` does: the
 * signing key stays in this process, never in the browser.
 */

const entry = fileURLToPath(new URL('../console/app.ts', import.meta.url));
const stylesheet = fileURLToPath(new URL('../console/styles.css', import.meta.url));

/** The console's Content-Security-Policy for an API origin ('self' when served with it). */
export function consoleCsp(apiOrigin = "'self'"): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${apiOrigin}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': consoleCsp(),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cache-control': 'no-store',
};

export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dispute Desk console</title>
<link rel="stylesheet" href="/console/app.css">
<script type="module" src="/console/app.js"></script>
</head>
<body>
<div id="app"><p>Loading…</p></div>
</body>
</html>
`;

export type ConsoleBundle = { js: Buffer; css: Buffer };

/** Bundles console/app.ts (Preact + htm) and console/styles.css, minified, in memory. */
export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await build({
    entryPoints: [entry, stylesheet],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    outdir: '/console-out',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (js === undefined || css === undefined) throw new Error('console build produced no app.js/app.css');
  return { js: Buffer.from(js.contents), css: Buffer.from(css.contents) };
}

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
