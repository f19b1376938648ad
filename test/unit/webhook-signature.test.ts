import { describe, expect, it } from 'vitest';
import { computeSignature, signatureHeader, verifySignature } from '#lib/contract/webhook-signature.ts';

const secret = 'a-secret-that-is-long-enough-for-hmac-0001';
const body = '{"hello":"world"}';
const now = 1_800_000_000;

function check(header: string | undefined, secrets = [secret], at = now) {
  return verifySignature({ header, rawBody: body, secrets, nowSeconds: at });
}

describe('webhook signature', () => {
  it('accepts a correctly signed body', () => {
    expect(check(signatureHeader(secret, now, body))).toEqual({ ok: true });
  });

  it('signs timestamp + "." + raw body with HMAC-SHA256 in hex', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(computeSignature(secret, now, body)).toBe(expected);
  });

  it('refuses a signature made with another secret', () => {
    expect(check(signatureHeader('another-secret-of-sufficient-length-000', now, body))).toEqual({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });

  it('refuses a body changed after signing', () => {
    const header = signatureHeader(secret, now, body);
    expect(verifySignature({ header, rawBody: `${body} `, secrets: [secret], nowSeconds: now })).toEqual({
      ok: false,
      reason: 'SIGNATURE_MISMATCH',
    });
  });

  it('refuses a stale timestamp (more than 5 minutes old)', () => {
    expect(check(signatureHeader(secret, now - 301, body))).toEqual({ ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' });
    expect(check(signatureHeader(secret, now - 300, body))).toEqual({ ok: true });
  });

  it('refuses a timestamp more than 5 minutes in the future', () => {
    expect(check(signatureHeader(secret, now + 301, body))).toEqual({ ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' });
  });

  it('refuses a missing or empty header', () => {
    expect(check(undefined)).toEqual({ ok: false, reason: 'MISSING_HEADER' });
    expect(check('  ')).toEqual({ ok: false, reason: 'MISSING_HEADER' });
  });

  it.each([
    ['no v1', `t=${now}`],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['short digest', `t=${now},v1=abc`],
    ['non-hex digest', `t=${now},v1=${'z'.repeat(64)}`],
    ['unknown part', `t=${now},v0=${'a'.repeat(64)}`],
    ['two timestamps', `t=${now},t=${now},v1=${'a'.repeat(64)}`],
    ['garbage', 'sha256=deadbeef'],
    ['huge timestamp', `t=${'9'.repeat(20)},v1=${'a'.repeat(64)}`],
  ])('refuses a malformed header (%s)', (_name, header) => {
    expect(check(header)).toEqual({ ok: false, reason: 'MALFORMED_HEADER' });
  });

  it('accepts any of several secrets while one is being rotated', () => {
    const rotated = 'the-new-secret-after-rotation-of-good-length';
    expect(check(signatureHeader(rotated, now, body), [secret, rotated])).toEqual({ ok: true });
  });

  it('accepts a header carrying signatures for an old and a new secret', () => {
    const oldSig = computeSignature('old-secret-0000000000000000000000000000', now, body);
    const header = `t=${now},v1=${oldSig},v1=${computeSignature(secret, now, body)}`;
    expect(check(header)).toEqual({ ok: true });
  });
});
