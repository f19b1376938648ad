import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from './errors.ts';

/**
 * Opaque, tamper-proof page cursors. A cursor carries the position to resume after and an
 * HMAC-SHA256 over that position *and* what it was issued for (the seller and the canonical
 * filters), so a cursor edited by hand, replayed by another seller or reused with other
 * filters fails verification and is refused as a bad `cursor`, never honoured. The key comes
 * from configuration (CURSOR_SIGNING_KEY); rotating it invalidates outstanding cursors, which
 * only makes a client start from the first page again.
 */

const VERSION = 'c1';
/** Generous for a sort key of a timestamp and a case id; refuses junk early. */
export const MAX_CURSOR_LENGTH = 512;

export type CursorBinding = {
  /** Whose listing this is: the seller id from the token. */
  readonly sellerId: string;
  /** The listing's filters in one canonical string (same filters → same string). */
  readonly filters: string;
};

export const MIN_CURSOR_KEY_LENGTH = 32;

/** The one refusal of a cursor that was not issued for what it is used with (`what`: "this listing"). */
export function refusedCursor(what: string): ValidationError {
  return new ValidationError('Invalid cursor', [
    { field: 'cursor', problem: `is not a cursor issued for ${what}; start again without one` },
  ]);
}

const badCursor = () => refusedCursor('this listing');

export class PageCursors {
  readonly #key: Buffer;

  constructor(key: string) {
    if (key.length < MIN_CURSOR_KEY_LENGTH) {
      throw new RangeError(`A cursor signing key must have at least ${MIN_CURSOR_KEY_LENGTH} characters`);
    }
    this.#key = Buffer.from(key, 'utf8');
  }

  #mac(binding: CursorBinding, body: string): Buffer {
    // Fields are joined with a separator none of them can contain unescaped (JSON-encoded).
    const input = JSON.stringify([VERSION, binding.sellerId, binding.filters, body]);
    return createHmac('sha256', this.#key).update(input).digest();
  }

  /** A cursor resuming after `position`, valid only for `binding`. */
  seal(binding: CursorBinding, position: string): string {
    const body = Buffer.from(JSON.stringify({ v: VERSION, p: position }), 'utf8').toString('base64url');
    return `${body}.${this.#mac(binding, body).toString('base64url')}`;
  }

  /**
   * The position inside a cursor issued for `binding`.
   * @throws ValidationError naming `cursor` for anything else: malformed, tampered with,
   *   issued for another seller or other filters, or signed with another key.
   */
  open(binding: CursorBinding, cursor: string): string {
    if (cursor.length > MAX_CURSOR_LENGTH) throw badCursor();
    const parts = cursor.split('.');
    if (parts.length !== 2) throw badCursor();
    const [body = '', mac = ''] = parts;
    if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(mac)) throw badCursor();
    const given = Buffer.from(mac, 'base64url');
    const expected = this.#mac(binding, body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badCursor();
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw badCursor();
    }
    const { v, p } = (decoded ?? {}) as { v?: unknown; p?: unknown };
    if (v !== VERSION || typeof p !== 'string' || p === '') throw badCursor();
    return p;
  }
}
