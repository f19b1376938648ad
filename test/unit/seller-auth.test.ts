import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { assertRefundAuthority, decisionAuthority, roleRequiredFor } from '#lib/decision/authority.ts';
import { principalFromClaims } from '#lib/contract/staff-claims.ts';
import { assertAllowed, isAllowed, staffActions } from '#lib/workflow/permissions.ts';
import { defaultPolicy } from '#lib/decision/policy.ts';
import { AuthenticationError, AuthorityExceededError, ForbiddenError, ValidationError } from '#lib/contract/errors.ts';
import { PageCursors } from '#lib/contract/page-cursor.ts';

describe('token claims → principal', () => {
  const base = { sub: 'u-1', 'custom:sellerId': 'S1' };

  it.each([
    ['API Gateway rendering of one group', { 'cognito:groups': '[agent]' }, 'agent'],
    ['several groups: the highest role counts', { 'cognito:groups': '[agent supervisor other]' }, 'supervisor'],
    ['a real array', { 'cognito:groups': ['manager', 'agent'] }, 'manager'],
    ['a custom:role claim', { 'custom:role': 'supervisor' }, 'supervisor'],
    ['custom:role and groups together', { 'custom:role': 'agent', 'cognito:groups': '[manager]' }, 'manager'],
  ])('%s', (_name, claims, role) => {
    expect(principalFromClaims({ ...base, ...claims })).toEqual({ userId: 'u-1', sellerId: 'S1', role });
  });

  it('no claims at all is 401 (never an anonymous staff member)', () => {
    expect(() => principalFromClaims(undefined)).toThrow(AuthenticationError);
  });

  it.each([
    ['no seller', { sub: 'u', 'cognito:groups': '[agent]' }, 'custom:sellerId'],
    ['no user', { 'custom:sellerId': 'S1', 'cognito:groups': '[agent]' }, 'sub'],
    ['no known role', { ...base, 'cognito:groups': '[admins]' }, 'cognito:groups'],
    ['an unknown custom:role', { ...base, 'custom:role': 'root' }, 'custom:role'],
    ['a seller id that is not an identifier', { ...base, 'custom:sellerId': 'S1/../S2', 'cognito:groups': '[agent]' }, 'custom:sellerId'],
  ])('%s is 403 naming the claim', (_name, claims, claim) => {
    let thrown: unknown;
    try {
      principalFromClaims(claims);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ForbiddenError);
    expect((thrown as Error).message).toContain(claim);
  });

  test.prop([fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.array(fc.string())))])(
    'never throws anything but 401/403',
    (claims) => {
      try {
        principalFromClaims(claims);
      } catch (error) {
        expect(error instanceof ForbiddenError || error instanceof AuthenticationError).toBe(true);
      }
    },
  );
});

describe('role permissions', () => {
  it('only supervisors and managers override, settle a carrier claim or decide an appeal; everyone else does the rest', () => {
    const aboveAgent = ['cases:override', 'cases:record-claim-outcome', 'cases:appeal'];
    for (const action of staffActions) {
      expect(isAllowed('manager', action)).toBe(true);
      expect(isAllowed('supervisor', action)).toBe(true);
      expect(isAllowed('agent', action)).toBe(!aboveAgent.includes(action));
    }
    expect(() => assertAllowed({ userId: 'u', sellerId: 'S', role: 'agent' }, 'cases:override')).toThrow(/agent role may not override/);
  });
});

describe('refund authority', () => {
  it('names the limit and who may approve instead', () => {
    expect(() => assertRefundAuthority('agent', { amount: 249_900, currency: 'CNY' }, defaultPolicy)).toThrow(
      'Refund CNY 2499.00 exceeds the agent limit of CNY 500.00; a supervisor (limit CNY 5000.00) must approve it',
    );
    expect(() => assertRefundAuthority('manager', { amount: 6_000_000, currency: 'CNY' }, defaultPolicy)).toThrow(
      /no role's limit covers it/,
    );
    expect(() => assertRefundAuthority('manager', { amount: 100, currency: 'USD' }, defaultPolicy)).toThrow(AuthorityExceededError);
    expect(() => assertRefundAuthority('agent', { amount: 50_000, currency: 'CNY' }, defaultPolicy)).not.toThrow();
    expect(roleRequiredFor(50_001, 'CNY', defaultPolicy)).toBe('supervisor');
  });

  test.prop([
    fc.constantFrom('agent', 'supervisor', 'manager' as const),
    fc.integer({ min: 1, max: 10_000_000 }),
    fc.constantFrom('CNY', 'EUR'),
  ])('allowed exactly when the amount is within the role’s policy limit', (role, amount, currency) => {
    const within = amount <= (defaultPolicy.authorityLimits[currency]?.[role] ?? -1);
    const check = () => assertRefundAuthority(role, { amount, currency }, defaultPolicy);
    if (within) expect(check).not.toThrow();
    else expect(check).toThrow(AuthorityExceededError);
  });
});

describe('decision authority', () => {
  // The engine records who must approve a refund; staff are then held to the same limits.
  // (A staff approval of nothing to pay asks no authority: see the zero case below.)
  test.prop([fc.integer({ min: 1, max: 10_000_000 }), fc.constantFrom('CNY', 'EUR', 'USD')])(
    'names the role a staff approval would need, and lets the engine pay only what an agent may',
    (amount, currency) => {
      const { requiredRole, exceedsAgentAuthority } = decisionAuthority(amount, currency, defaultPolicy);
      expect(requiredRole).toBe(roleRequiredFor(amount, currency, defaultPolicy) ?? null);
      const agentMay = () => assertRefundAuthority('agent', { amount, currency }, defaultPolicy);
      if (exceedsAgentAuthority) expect(agentMay).toThrow(AuthorityExceededError);
      else expect(agentMay).not.toThrow();
    },
  );

  it('nothing to pay needs an agent at most, even in a currency without limits; limits are inclusive', () => {
    expect(decisionAuthority(0, 'USD', defaultPolicy)).toEqual({ requiredRole: 'agent', exceedsAgentAuthority: false });
    expect(decisionAuthority(1, 'USD', defaultPolicy)).toEqual({ requiredRole: null, exceedsAgentAuthority: true });
    expect(decisionAuthority(6_000_000, 'CNY', defaultPolicy)).toEqual({ requiredRole: null, exceedsAgentAuthority: true });
    // Limits are inclusive: exactly the agent's limit is still the agent's to pay.
    expect(decisionAuthority(50_000, 'CNY', defaultPolicy)).toEqual({ requiredRole: 'agent', exceedsAgentAuthority: false });
    expect(decisionAuthority(50_001, 'CNY', defaultPolicy)).toEqual({ requiredRole: 'supervisor', exceedsAgentAuthority: true });
  });
});

describe('page cursors', () => {
  const cursors = new PageCursors('unit-test-cursor-key-0123456789abcdef');
  const binding = { sellerId: 'S1', filters: 'f1' };
  const position = '2026-11-07T09:00:00.000Z#cs_0123456789abcdef01234567';

  it('round-trips for the same seller and filters only', () => {
    const cursor = cursors.seal(binding, position);
    expect(cursors.open(binding, cursor)).toBe(position);
    expect(() => cursors.open({ ...binding, sellerId: 'S2' }, cursor)).toThrow(ValidationError);
    expect(() => cursors.open({ ...binding, filters: 'f2' }, cursor)).toThrow(ValidationError);
    expect(() => new PageCursors('another-key-that-is-long-enough-0000000').open(binding, cursor)).toThrow(ValidationError);
  });

  test.prop([fc.string({ maxLength: 600 })])('any other string is a 400 naming cursor, never a crash', (junk) => {
    try {
      cursors.open(binding, junk);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.field).toBe('cursor');
      return;
    }
    throw new Error('a random string opened as a cursor');
  });

  test.prop([fc.nat(), fc.integer({ min: 0, max: 255 })])('flipping any byte of a cursor breaks it', (at, value) => {
    const cursor = cursors.seal(binding, position);
    const i = at % cursor.length;
    const replacement = String.fromCharCode(value);
    fc.pre(cursor[i] !== replacement);
    const tampered = `${cursor.slice(0, i)}${replacement}${cursor.slice(i + 1)}`;
    let opened: string | undefined;
    try {
      opened = cursors.open(binding, tampered);
    } catch {
      opened = undefined;
    }
    // base64url has a few bit-equivalent spellings of its last character; they decode alike.
    if (opened !== undefined) expect(opened).toBe(position);
  });

  it('refuses a short signing key', () => {
    expect(() => new PageCursors('short')).toThrow(RangeError);
  });
});
