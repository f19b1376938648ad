import { UnsupportedMediaTypeError } from '../contract/errors.ts';

/**
 * The one check of a request body's declared type, shared by the webhook route and the staff
 * write routes. A body is read only when it is declared `application/json`, optionally with
 * `charset=utf-8`: a missing type, a look-alike (`application/json-seq`, `+json` suffixes)
 * or another charset is refused with 415 before any byte of it is parsed. JSON exchanged
 * between systems is UTF-8 (RFC 8259 §8.1) and the body is decoded as UTF-8, so a body
 * declared in another charset would be read wrongly rather than refused. Media types and
 * charset names are case-insensitive (RFC 9110 §8.3.1); other parameters are ignored.
 */

const EXPECTED = 'application/json';

function refuse(problem: string): never {
  throw new UnsupportedMediaTypeError(`Content-Type ${problem}; send ${EXPECTED} (charset=utf-8 is optional)`);
}

/** Quotes are allowed around a parameter value (`charset="utf-8"`). */
function unquote(value: string): string {
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

/** Throws UnsupportedMediaTypeError (415) unless `contentType` declares a UTF-8 JSON body. */
export function assertJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === '') refuse('is missing');
  const [essence = '', ...parameters] = contentType.split(';');
  if (essence.trim().toLowerCase() !== EXPECTED) refuse(`'${contentType.slice(0, 64)}' is not ${EXPECTED}`);
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (equals === -1) continue;
    if (parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const charset = unquote(parameter.slice(equals + 1)).toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') refuse(`charset '${charset.slice(0, 32)}' is not utf-8`);
  }
}
