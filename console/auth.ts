/**
 * Staff sign-in through Cognito managed login: the OAuth 2.0 authorization-code flow with PKCE
 * (RFC 7636, S256) for a public client, as the console runs it in AWS. No DOM here, so it is
 * unit-tested in Node (WebCrypto is global in both).
 *
 * What is kept where: the code verifier and the state survive the round trip to the sign-in
 * page in sessionStorage (this tab only, removed once used); the tokens never leave memory.
 */

/** What the console learns from `/console/config.json` (deployed next to it by the CDK app). */
export type CognitoConfig = {
  /** The user pool domain's base URL, e.g. https://dd-prod-123.auth.eu-west-1.amazoncognito.com */
  readonly domain: string;
  readonly clientId: string;
};

export type StaffSession = { readonly token: string; readonly sellerId: string; readonly role: string; readonly userId: string };

const ROLES = ['manager', 'supervisor', 'agent'] as const;

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh random string of 43 base64url characters (32 bytes): a code verifier or a state. */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)), unpadded. */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Where the browser goes to sign in: the managed login's /oauth2/authorize with the PKCE challenge. */
export function authorizeUrl(config: CognitoConfig, input: { challenge: string; state: string; redirectUri: string }): string {
  const url = new URL('/oauth2/authorize', config.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: input.redirectUri,
    scope: 'openid email',
    state: input.state,
    code_challenge: input.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** Where signing out goes: the managed login's /logout, back to the console. */
export function logoutUrl(config: CognitoConfig, redirectUri: string): string {
  const url = new URL('/logout', config.domain);
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: redirectUri }).toString();
  return url.toString();
}

/** The claims of a JWT's payload (not verified here: the API verifies every request's token). */
export function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (part === undefined) throw new Error('The sign-in answered a token that is not a JWT');
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

/** The staff session an ID token stands for: seller, the highest role of its groups, user. */
export function sessionOf(idToken: string): StaffSession {
  const claims = claimsOf(idToken);
  const sellerId = claims['custom:sellerId'];
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as unknown[]) : [];
  const role = ROLES.find((r) => groups.includes(r));
  const userId = claims.sub;
  if (typeof sellerId !== 'string' || role === undefined || typeof userId !== 'string') {
    throw new Error('This account has no seller or staff role yet: ask an administrator (npm run ops -- staff add).');
  }
  return { token: idToken, sellerId, role, userId };
}

/**
 * Exchanges the authorization code for tokens at /oauth2/token (a public client: the code
 * verifier is the proof, there is no secret). The ID token is the bearer the API accepts: it
 * carries the seller and the groups.
 */
export async function exchangeCode(
  config: CognitoConfig,
  input: { code: string; verifier: string; redirectUri: string },
  fetchImpl: typeof fetch = fetch,
): Promise<StaffSession> {
  const res = await fetchImpl(new URL('/oauth2/token', config.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.verifier,
    }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
  if (!res.ok || typeof body.id_token !== 'string') {
    throw new Error(`Sign-in failed (${typeof body.error === 'string' ? body.error : `HTTP ${res.status}`}); sign in again.`);
  }
  return sessionOf(body.id_token);
}

/** The storage a sign-in in progress needs across the redirect (sessionStorage in the browser). */
export type PendingStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
const PENDING = 'dispute-desk.sign-in';

/** Starts a sign-in: remembers a fresh verifier and state, answers the URL to go to. */
export async function beginSignIn(config: CognitoConfig, redirectUri: string, store: PendingStore): Promise<string> {
  const verifier = randomToken();
  const state = randomToken();
  store.setItem(PENDING, JSON.stringify({ verifier, state }));
  return authorizeUrl(config, { challenge: await challengeOf(verifier), state, redirectUri });
}

/**
 * Finishes a sign-in on the redirect back: the state must be the one this tab sent (else the
 * answer is refused: it may be forged), the pending entry is removed either way, then the code
 * is exchanged. Undefined when the URL carries no sign-in answer.
 */
export async function completeSignIn(
  config: CognitoConfig,
  location: { search: string; redirectUri: string },
  store: PendingStore,
  fetchImpl: typeof fetch = fetch,
): Promise<StaffSession | undefined> {
  const params = new URLSearchParams(location.search);
  const error = params.get('error');
  const code = params.get('code');
  if (error === null && code === null) return undefined;
  const pending = store.getItem(PENDING);
  store.removeItem(PENDING);
  if (error !== null) throw new Error(`Sign-in was refused (${error}); sign in again.`);
  const expected = pending === null ? undefined : (JSON.parse(pending) as { verifier: string; state: string });
  if (expected === undefined || params.get('state') !== expected.state) {
    throw new Error('This sign-in answer does not belong to a sign-in started here; sign in again.');
  }
  return exchangeCode(config, { code: code as string, verifier: expected.verifier, redirectUri: location.redirectUri }, fetchImpl);
}
