import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staffRoles } from '#lib/contract/roles.ts';
import { signDevToken } from './dev-auth.ts';
import { readBody } from './read-body.ts';

/**
 * A local stand-in for Cognito managed login, the part the staff console uses: the OAuth 2.0
 * authorization-code flow with PKCE for a public client (no secret), as Cognito's
 * `/oauth2/authorize`, `/oauth2/token` and `/logout` answer it.
 *
 * - `GET /oauth2/authorize`: checks the client, the registered redirect URI, `response_type=code`
 *   and an S256 `code_challenge` (Cognito refuses `plain` for nothing here either), then shows
 *   a sign-in page. Locally the page is the dev sign-in: pick seller, role and user (as
 *   `npm run token` does); the ID token is signed with the dev key, so the local gateway
 *   accepts it exactly as API Gateway accepts Cognito's.
 * - `POST /oauth2/token` (`application/x-www-form-urlencoded`): `grant_type=authorization_code`,
 *   the same client and redirect URI, and a `code_verifier` whose SHA-256 is the challenge;
 *   a code is good once, for 5 minutes. Errors as OAuth's JSON (`invalid_grant`, ...). CORS
 *   for the console's origin, as Cognito's token endpoint allows browser calls.
 * - `GET /logout`: back to `logout_uri` when it is registered.
 */

export type ManagedLoginStandin = {
  readonly url: string;
  readonly clientId: string;
  /** Registers a callback and logout URL (the console's, once its port is known). */
  allowRedirect(uri: string): void;
  stop(): Promise<void>;
};

type PendingCode = {
  clientId: string;
  redirectUri: string;
  challenge: string;
  sellerId: string;
  role: string;
  userId: string;
  expires: number;
};

const CODE_TTL_MS = 5 * 60_000;
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function oauthError(res: ServerResponse, status: number, error: string, description: string, cors: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors });
  res.end(JSON.stringify({ error, error_description: description }));
}

function loginPage(params: URLSearchParams): string {
  const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
  const roles = staffRoles.map((r) => `<option>${r}</option>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in (local stand-in)</title></head>
<body><main><h1>Sign in</h1><p>Local stand-in for Cognito managed login: pick who you are.</p>
<form method="post" action="/login">${hidden}
<label for="sellerId">Seller</label> <input id="sellerId" name="sellerId" required value="SELLER-42">
<label for="role">Role</label> <select id="role" name="role">${roles}</select>
<label for="userId">User</label> <input id="userId" name="userId" required value="agent-1">
<button type="submit">Sign in</button></form></main></body></html>`;
}

export async function startManagedLoginStandin(opts: {
  port?: number;
  host?: string;
  clientId?: string;
  /** Registered callback and logout URLs (exact match, as Cognito compares them). */
  redirectUris?: readonly string[];
}): Promise<ManagedLoginStandin> {
  const clientId = opts.clientId ?? 'dev-console';
  const allowed = new Set(opts.redirectUris ?? []);
  const codes = new Map<string, PendingCode>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const origin = req.headers.origin;
    // Cognito's token endpoint answers browsers of any registered callback's origin.
    const cors: Record<string, string> =
      origin !== undefined && [...allowed].some((u) => new URL(u).origin === origin) ? { 'access-control-allow-origin': origin } : {};
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const p = url.searchParams;
      const problem =
        p.get('client_id') !== clientId
          ? 'unknown client_id'
          : !allowed.has(p.get('redirect_uri') ?? '')
            ? 'redirect_uri is not a registered callback URL'
            : p.get('response_type') !== 'code'
              ? 'only response_type=code is allowed'
              : p.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(p.get('code_challenge') ?? '')
                ? 'an S256 code_challenge is required'
                : undefined;
      if (problem !== undefined) return oauthError(res, 400, 'invalid_request', problem);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(loginPage(p));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login') {
      const form = new URLSearchParams(await readBody(req));
      const [sellerId, role, userId, redirectUri] = [form.get('sellerId'), form.get('role'), form.get('userId'), form.get('redirect_uri')];
      if (
        form.get('client_id') !== clientId ||
        !allowed.has(redirectUri ?? '') ||
        !IDENTIFIER.test(sellerId ?? '') ||
        !IDENTIFIER.test(userId ?? '') ||
        !(staffRoles as readonly string[]).includes(role ?? '')
      ) {
        return oauthError(res, 400, 'invalid_request', 'seller, role and user are required');
      }
      const code = randomBytes(24).toString('base64url');
      codes.set(code, {
        clientId,
        redirectUri: redirectUri as string,
        challenge: form.get('code_challenge') ?? '',
        sellerId: sellerId as string,
        role: role as string,
        userId: userId as string,
        expires: Date.now() + CODE_TTL_MS,
      });
      const back = new URL(redirectUri as string);
      back.searchParams.set('code', code);
      const state = form.get('state');
      if (state !== null) back.searchParams.set('state', state);
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return oauthError(res, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded', cors);
      }
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'authorization_code')
        return oauthError(res, 400, 'unsupported_grant_type', 'authorization_code only', cors);
      if (form.get('client_id') !== clientId) return oauthError(res, 400, 'invalid_client', 'unknown client_id', cors);
      const code = form.get('code') ?? '';
      const pending = codes.get(code);
      codes.delete(code); // good once, whatever happens next
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (pending === undefined || pending.expires < Date.now()) return oauthError(res, 400, 'invalid_grant', 'unknown or used code', cors);
      if (pending.redirectUri !== form.get('redirect_uri')) return oauthError(res, 400, 'invalid_grant', 'redirect_uri differs', cors);
      if (challenge !== pending.challenge) return oauthError(res, 400, 'invalid_grant', 'code_verifier does not match', cors);
      const idToken = await signDevToken({ sellerId: pending.sellerId, role: pending.role, userId: pending.userId, expiresIn: '1h' });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors });
      res.end(JSON.stringify({ id_token: idToken, access_token: idToken, token_type: 'Bearer', expires_in: 3600 }));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/logout') {
      const back = url.searchParams.get('logout_uri') ?? '';
      if (url.searchParams.get('client_id') !== clientId || !allowed.has(back)) {
        return oauthError(res, 400, 'invalid_request', 'logout_uri is not registered');
      }
      res.writeHead(302, { location: back });
      res.end();
      return;
    }
    oauthError(res, 404, 'not_found', `${req.method} ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => oauthError(res, 500, 'server_error', 'the stand-in failed'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    clientId,
    allowRedirect: (uri: string) => void allowed.add(uri),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
