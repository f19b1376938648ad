import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Canonical webhook signature: `X-Signature: t=<unix seconds>,v1=<hex>` where v1 is
 * HMAC-SHA256 over `${t}.${rawBody}` with the marketplace's secret. Several v1 entries may
 * be sent while a secret is being rotated; any valid one is enough.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureFailure = 'MISSING_HEADER' | 'MALFORMED_HEADER' | 'TIMESTAMP_OUT_OF_TOLERANCE' | 'SIGNATURE_MISMATCH';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

const HEADER_PART = /^(t|v1)=([0-9a-f]+)$/;

/** Computes the hex signature for a timestamp and raw body. */
export function computeSignature(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** Builds the header value a marketplace (or our own signing script) sends. */
export function signatureHeader(secret: string, timestamp: number, rawBody: string): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody)}`;
}

/**
 * Verifies a header against every currently valid secret.
 *
 * Steps: parse `t` and every `v1`; refuse a timestamp more than the tolerance away from
 * `nowSeconds` in either direction (replays and clock-skewed senders); compare each `v1`
 * with each secret's expected digest in constant time.
 */
export function verifySignature(input: {
  header: string | undefined;
  rawBody: string;
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  const { header, rawBody, secrets, nowSeconds } = input;
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'MISSING_HEADER' };

  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const match = HEADER_PART.exec(part.trim());
    if (match === null) return { ok: false, reason: 'MALFORMED_HEADER' };
    const [, key, value] = match as unknown as [string, 't' | 'v1', string];
    if (key === 't') {
      if (timestamp !== undefined || value.length > 12) return { ok: false, reason: 'MALFORMED_HEADER' };
      timestamp = Number(value);
    } else {
      if (value.length !== 64) return { ok: false, reason: 'MALFORMED_HEADER' };
      candidates.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || candidates.length === 0 || candidates.length > 4) {
    return { ok: false, reason: 'MALFORMED_HEADER' };
  }
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    return { ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' };
  }

  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'hex');
    for (const candidate of candidates) {
      // No early exit: every pair is compared so timing does not tell which secret matched.
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: 'SIGNATURE_MISMATCH' };
}
