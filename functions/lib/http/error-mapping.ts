import {
  AuthenticationError,
  ForbiddenError,
  PreconditionRequiredError,
  ConcurrentModificationError,
  ConflictError,
  DependencyUnavailableError,
  DomainError,
  IllegalTransitionError,
  MalformedJsonError,
  NotFoundError,
  RouteNotFoundError,
  PayloadTooLargeError,
  SignatureError,
  StaleVersionError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../contract/errors.ts';

import { type Problem, problem } from './problem.ts';

type ErrorClass = abstract new (...args: never[]) => DomainError;

/** The one table from domain errors to HTTP status codes. Order matters only for subclasses. */
const statusByError: ReadonlyArray<readonly [ErrorClass, number]> = [
  [MalformedJsonError, 400],
  [ValidationError, 400],
  [SignatureError, 401],
  [AuthenticationError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [RouteNotFoundError, 404],
  [ConflictError, 409],
  [IllegalTransitionError, 409],
  [ConcurrentModificationError, 409],
  [StaleVersionError, 412],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [PreconditionRequiredError, 428],
  [DependencyUnavailableError, 503],
];

/**
 * Maps any thrown value to a status and a problem (RFC 9457). Domain errors show their message
 * as `detail` (they are written for the caller); anything else is a 500 with a generic
 * detail, so a stack trace or an SDK error never reaches a client.
 */
export function toHttpError(error: unknown): { statusCode: number; body: Problem; expose: boolean } {
  if (error instanceof DomainError) {
    const entry = statusByError.find(([cls]) => error instanceof cls);
    if (entry !== undefined) {
      const issues = error instanceof ValidationError ? error.issues : undefined;
      return { statusCode: entry[1], body: problem(entry[1], error.code, error.message, { issues }), expose: true };
    }
  }
  return { statusCode: 500, body: problem(500, 'INTERNAL_ERROR', 'Something went wrong on our side; it has been logged.'), expose: false };
}
