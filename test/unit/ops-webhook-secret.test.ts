import { describe, expect, it } from 'vitest';
import { type OpsDeps, runOps } from '#ops/ops.ts';
import { checkMarketplace, checkNewSecret, MIN_SECRET_LENGTH, rotate } from '#ops/webhook-secret.ts';

const A = 'whsec_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6';
const B = 'whsec_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4';
const C = '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';

describe('rotation', () => {
  it('the new value becomes current and the one it replaces previous', () => {
    expect(rotate(JSON.stringify({ current: A }), B)).toEqual({
      kind: 'rotated',
      value: { current: B, previous: A },
      droppedOlderPrevious: false,
    });
  });

  it('only two slots: an older previous is dropped, and said so', () => {
    expect(rotate(JSON.stringify({ current: B, previous: A }), C)).toEqual({
      kind: 'rotated',
      value: { current: C, previous: B },
      droppedOlderPrevious: true,
    });
  });

  it('putting the previous value back (a rollback) swaps the two, dropping nothing', () => {
    expect(rotate(JSON.stringify({ current: B, previous: A }), A)).toEqual({
      kind: 'rotated',
      value: { current: A, previous: B },
      droppedOlderPrevious: false,
    });
  });

  it('putting the current value again changes nothing (previous is not overwritten with current)', () => {
    expect(rotate(JSON.stringify({ current: A, previous: B }), A)).toEqual({ kind: 'unchanged' });
  });

  it('a secret with no value yet, or the empty object, gets current only', () => {
    expect(rotate(undefined, A)).toEqual({ kind: 'rotated', value: { current: A }, droppedOlderPrevious: false });
    expect(rotate('{}', A)).toEqual({ kind: 'rotated', value: { current: A }, droppedOlderPrevious: false });
  });

  it('a plain-string secret (the receiver accepts one) is kept as previous; previous null is none', () => {
    expect(rotate(A, B)).toEqual({ kind: 'rotated', value: { current: B, previous: A }, droppedOlderPrevious: false });
    expect(rotate(JSON.stringify({ current: A, previous: null }), B)).toEqual({
      kind: 'rotated',
      value: { current: B, previous: A },
      droppedOlderPrevious: false,
    });
  });

  it('a stored value of another shape is refused rather than guessed at, without echoing it', () => {
    expect(() => rotate(JSON.stringify({ secret: A }), B)).toThrow(/not \{"current":"…","previous":"…"\}/);
    try {
      rotate(JSON.stringify({ secret: A }), B);
    } catch (error) {
      expect((error as Error).message).not.toContain(A);
    }
  });
});

describe('checkNewSecret', () => {
  it('takes a strong value, dropping the one line break a pipe or terminal adds', () => {
    expect(checkNewSecret(`${A}\n`)).toBe(A);
    expect(checkNewSecret(`${A}\r\n`)).toBe(A);
  });

  it.each([
    ['short', 'x1Y2z3', /too short: 6 characters, at least 32/],
    ['one short of the minimum', A.slice(0, MIN_SECRET_LENGTH - 1), /too short: 31 characters/],
    ['empty', '', /too short: 0/],
    ['whitespace inside', `${A.slice(0, 20)} ${A.slice(20)}`, /whitespace or control characters/],
    ['two lines', `${A}\n${B}`, /whitespace or control characters/],
    ['a placeholder', 'a'.repeat(40), /fewer than 8 distinct characters/],
    ['too long', `${A}${'x'.repeat(5000)}`, /too long/],
  ])('refuses %s, never quoting the value', (_name, value, message) => {
    let thrown: unknown;
    try {
      checkNewSecret(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(message);
    if (value.length > 0) expect((thrown as Error).message).not.toContain(value.slice(0, 6));
  });
});

describe('npm run ops -- secrets put: arguments', () => {
  /** Deps that record any use: a refused command reads no secret and builds no client. */
  function harness(secret = A) {
    const used: string[] = [];
    const err: string[] = [];
    const refuse = (name: string) => () => {
      used.push(name);
      throw new Error(`${name} used`);
    };
    const deps: OpsDeps = {
      cloudFormation: refuse('cloudFormation'),
      secretsManager: refuse('secretsManager'),
      cognito: refuse('cognito'),
      readSecret: async () => {
        used.push('readSecret');
        return secret;
      },
      out: () => {},
      err: (line) => err.push(line),
    };
    return { deps, used, err };
  }

  it.each([
    [['secrets', 'put'], /No marketplace given/, []],
    [['secrets', 'put', 'Demo Market', '--stage', 'dev'], /Marketplace 'Demo Market' is not a marketplace name/, []],
    [['secrets', 'put', 'demo-market'], /No stage given/, []],
    [['secrets', 'put', 'demo-market', '--stage', 'test'], /Unknown stage 'test'/, []],
    [['secrets', 'put', 'demo-market', A, '--stage', 'dev'], /never the secret itself as an argument/, []],
    [['secrets', 'put', 'demo-market', '--stage', 'dev', '--value', A], /Unknown option '--value'/, []],
    [['secrets', 'rotate', 'demo-market'], /Unknown command 'secrets rotate'/, []],
    [[], /No command given/, []],
  ])('%j is refused with exit 2 before reading the secret or any AWS call', async (argv, message, used) => {
    const h = harness();
    expect(await runOps(argv, h.deps)).toBe(2);
    expect(h.err.join('\n')).toMatch(message);
    expect(h.err.join('\n')).toMatch(/^usage:/m);
    expect(h.used).toEqual(used);
  });

  it('a weak secret is refused after reading it, before any AWS call', async () => {
    const h = harness('changeme');
    expect(await runOps(['secrets', 'put', 'shopify', '--stage', 'prod', '--from-stdin'], h.deps)).toBe(2);
    expect(h.err.join('\n')).toMatch(/too short: 8 characters/);
    expect(h.err.join('\n')).not.toContain('changeme');
    expect(h.used).toEqual(['readSecret']);
  });

  it('marketplace names follow the stacks (lower-case, digits, -)', () => {
    expect(checkMarketplace('demo-market')).toBe('demo-market');
    expect(checkMarketplace('shopify')).toBe('shopify');
    expect(() => checkMarketplace('../etc')).toThrow(/not a marketplace name/);
  });
});
