import { describe, expect, it } from 'vitest';
import { authorizeUrl, beginSignIn, challengeOf, claimsOf, completeSignIn, logoutUrl, randomToken, sessionOf } from '../../console/auth.ts';

const config = { domain: 'https://dd-dev-123.auth.eu-west-1.amazoncognito.com', clientId: 'client123' };
const redirectUri = 'https://d111.cloudfront.net/console/';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'RS256' })}.${b64url(claims)}.sig`;
const staffClaims = { sub: 'u-1', 'custom:sellerId': 'SELLER-42', 'cognito:groups': ['agent', 'supervisor'] };

function memoryStore() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

describe('PKCE (RFC 7636)', () => {
  it('computes the S256 challenge of the RFC’s Appendix B example', async () => {
    expect(await challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes verifiers of 43 unreserved characters, a new one each time', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(a);
  });

  it('sends the browser to /oauth2/authorize with the code flow, the challenge and the state', () => {
    const url = new URL(authorizeUrl(config, { challenge: 'abc', state: 'st', redirectUri }));
    expect(url.origin + url.pathname).toBe(`${config.domain}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client123',
      redirect_uri: redirectUri,
      scope: 'openid email',
      state: 'st',
      code_challenge: 'abc',
      code_challenge_method: 'S256',
    });
    expect(new URL(logoutUrl(config, redirectUri)).searchParams.get('logout_uri')).toBe(redirectUri);
  });
});

describe('the session an ID token stands for', () => {
  it('takes the seller, the highest role among the groups and the user', () => {
    expect(sessionOf(jwt(staffClaims))).toEqual({ token: jwt(staffClaims), sellerId: 'SELLER-42', role: 'supervisor', userId: 'u-1' });
    expect(claimsOf(jwt({ name: '张三' })).name).toBe('张三');
  });

  it('refuses an account without a seller or a staff group, saying what to do', () => {
    expect(() => sessionOf(jwt({ sub: 'u-1', 'cognito:groups': ['agent'] }))).toThrow(/no seller or staff role/);
    expect(() => sessionOf(jwt({ sub: 'u-1', 'custom:sellerId': 'S', 'cognito:groups': ['admins'] }))).toThrow(/no seller or staff role/);
  });
});

describe('sign-in round trip', () => {
  it('exchanges the code with the verifier it started with, once; the tokens are not stored', async () => {
    const store = memoryStore();
    const url = new URL(await beginSignIn(config, redirectUri, store));
    const state = url.searchParams.get('state') ?? '';
    const sent: URLSearchParams[] = [];
    const fakeToken = (async (_url: URL, init: RequestInit) => {
      sent.push(new URLSearchParams(String(init.body)));
      return new Response(JSON.stringify({ id_token: jwt(staffClaims), access_token: 'a', token_type: 'Bearer' }), { status: 200 });
    }) as typeof fetch;
    const session = await completeSignIn(config, { search: `?code=c0de&state=${state}`, redirectUri }, store, fakeToken);
    expect(session).toMatchObject({ sellerId: 'SELLER-42', role: 'supervisor' });
    expect(sent).toHaveLength(1);
    const form = Object.fromEntries(sent[0] ?? []);
    expect(form).toMatchObject({ grant_type: 'authorization_code', client_id: 'client123', code: 'c0de', redirect_uri: redirectUri });
    // The verifier sent is the one whose challenge went to /authorize.
    expect(await challengeOf(form.code_verifier ?? '')).toBe(url.searchParams.get('code_challenge'));
    expect(store.map.size).toBe(0);
  });

  it('refuses an answer whose state this tab did not send, without calling the token endpoint', async () => {
    const store = memoryStore();
    await beginSignIn(config, redirectUri, store);
    let called = false;
    const never = (async () => {
      called = true;
      return new Response('{}');
    }) as typeof fetch;
    await expect(completeSignIn(config, { search: '?code=c0de&state=forged', redirectUri }, store, never)).rejects.toThrow(
      /does not belong to a sign-in started here/,
    );
    expect(called).toBe(false);
    expect(store.map.size).toBe(0);
  });

  it('reports a refused sign-in and a failed exchange in words; no answer in the URL is no sign-in', async () => {
    const store = memoryStore();
    await expect(completeSignIn(config, { search: '?error=access_denied', redirectUri }, store)).rejects.toThrow(
      /refused \(access_denied\)/,
    );
    expect(await completeSignIn(config, { search: '', redirectUri }, store)).toBeUndefined();
    const url = new URL(await beginSignIn(config, redirectUri, store));
    const failing = (async () => new Response(JSON.stringify({ error: 'invalid_grant' }), { status: 400 })) as typeof fetch;
    await expect(
      completeSignIn(config, { search: `?code=x&state=${url.searchParams.get('state')}`, redirectUri }, store, failing),
    ).rejects.toThrow(/invalid_grant/);
  });
});
