import { type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { DEV_JWT } from './dev-secrets.ts';

/**
 * Staff tokens for the local runtime: signed with the documented dev key (local/dev-secrets.ts)
 * and verified by the local gateway the way API Gateway's JWT authorizer verifies Cognito
 * ID tokens in AWS (signature, issuer, audience, expiry), then handed to the function as
 * `requestContext.authorizer.jwt.claims` in API Gateway's own rendering.
 */

const devKey = new TextEncoder().encode(DEV_JWT.secret);

export type DevTokenInput = {
  /** `custom:sellerId`; `null` leaves it out (to try a token that names no seller). */
  readonly sellerId: string | null;
  /** Put in `cognito:groups`, as a Cognito group; not checked here, so tests can mint bad ones. */
  readonly role: string;
  /** `sub`. */
  readonly userId: string;
  /** Lifetime as jose reads it ('1h', '15m') or an absolute expiry in epoch seconds. @default '1h' */
  readonly expiresIn?: string | number;
  /** Sign with another secret (to try a wrongly signed token). */
  readonly secret?: string;
  /** Extra claims, e.g. `custom:role`. */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
};

export async function signDevToken(input: DevTokenInput): Promise<string> {
  const claims: JWTPayload = {
    token_use: 'id',
    'cognito:groups': [input.role],
    ...(input.sellerId === null ? {} : { 'custom:sellerId': input.sellerId }),
    ...input.extraClaims,
  };
  const key = input.secret === undefined ? devKey : new TextEncoder().encode(input.secret);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: DEV_JWT.algorithm, typ: 'JWT' })
    .setSubject(input.userId)
    .setIssuer(DEV_JWT.issuer)
    .setAudience(DEV_JWT.audience)
    .setIssuedAt()
    .setExpirationTime(input.expiresIn ?? '1h')
    .sign(key);
}

/** Claims as API Gateway HTTP APIs pass them: every value a string, lists as `[a b]`. */
export function toGatewayClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) claims[name] = `[${value.map(String).join(' ')}]`;
    else if (typeof value === 'object' && value !== null) claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

/**
 * Verifies a dev token: HS256 with the dev secret, the dev issuer and audience, not expired.
 * @throws for anything else (the gateway answers 401 without calling the function).
 */
export async function verifyDevToken(token: string): Promise<Record<string, string>> {
  const { payload } = await jwtVerify(token, devKey, {
    issuer: DEV_JWT.issuer,
    audience: DEV_JWT.audience,
    algorithms: [DEV_JWT.algorithm],
    requiredClaims: ['sub', 'exp', 'iat'],
  });
  return toGatewayClaims(payload);
}
