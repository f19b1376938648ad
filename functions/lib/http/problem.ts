import type { FieldIssue } from '../contract/errors.ts';

/**
 * Error answers as RFC 9457 problem details (`application/problem+json`), the one shape for
 * every refusal this API writes: the handlers' and the local gateway's own alike.
 *
 * Members: `type` (a URN per error code: stable, not meant to be fetched), `title` (the same
 * for every occurrence of that type), `status`, `detail` (this occurrence, written for the
 * caller), `instance` (the request path), and the extensions `code` (the machine-readable
 * error code), `issues` (each field and its problem, for validation failures) and
 * `requestId` (the id the gateway logged the request under).
 *
 * @example
 * problem(400, 'VALIDATION_FAILED', 'Request body does not match the canonical payload v1', { issues })
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type Problem = {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly issues?: readonly FieldIssue[];
  readonly requestId?: string;
};

/** `VALIDATION_FAILED` → `urn:dispute-desk:problem:validation-failed`. */
export function problemType(code: string): string {
  return `urn:dispute-desk:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** `VALIDATION_FAILED` → `Validation failed`. */
export function problemTitle(code: string): string {
  const words = code.toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extras: {
    readonly issues?: readonly FieldIssue[] | undefined;
    readonly requestId?: string | undefined;
    readonly instance?: string | undefined;
  } = {},
): Problem {
  return {
    type: problemType(code),
    title: problemTitle(code),
    status,
    detail,
    code,
    ...(extras.instance === undefined ? {} : { instance: extras.instance }),
    ...(extras.issues === undefined ? {} : { issues: extras.issues }),
    ...(extras.requestId === undefined ? {} : { requestId: extras.requestId }),
  };
}
