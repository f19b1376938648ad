/**
 * Every failure the domain can name. The HTTP layer maps these to status codes in one
 * table (functions/lib/http/error-mapping.ts); anything that is not one of these is a bug
 * and answers a generic 500 with no details.
 */

export type FieldIssue = { readonly field: string; readonly problem: string };

export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The input is well-formed transport-wise but its content breaks the contract. */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly code = 'VALIDATION_FAILED';
  readonly issues: readonly FieldIssue[];
  constructor(message: string, issues: readonly FieldIssue[], options?: { cause?: unknown }) {
    super(message, options);
    this.issues = issues;
  }
}

export class MalformedJsonError extends DomainError {
  override readonly name = 'MalformedJsonError';
  readonly code = 'MALFORMED_JSON';
}

export class UnsupportedMediaTypeError extends DomainError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

export class PayloadTooLargeError extends DomainError {
  override readonly name = 'PayloadTooLargeError';
  readonly code = 'PAYLOAD_TOO_LARGE';
}

export class SignatureError extends DomainError {
  override readonly name = 'SignatureError';
  readonly code = 'INVALID_SIGNATURE';
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(message);
    this.reason = reason;
  }
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
}

/** No route of the API takes this method and path (API Gateway's `$default` route). */
export class RouteNotFoundError extends DomainError {
  override readonly name = 'RouteNotFoundError';
  readonly code = 'ROUTE_NOT_FOUND';
}

/** Two writers raced on one case and this one lost; the caller may re-read and retry. */
export class ConcurrentModificationError extends DomainError {
  override readonly name = 'ConcurrentModificationError';
  readonly code = 'CONCURRENT_MODIFICATION';
}

/** The caller's If-Match version is not the stored one. */
export class StaleVersionError extends DomainError {
  override readonly name = 'StaleVersionError';
  readonly code = 'STALE_VERSION';
  readonly currentVersion: number;
  constructor(message: string, currentVersion: number) {
    super(message);
    this.currentVersion = currentVersion;
  }
}

export class IllegalTransitionError extends DomainError {
  override readonly name = 'IllegalTransitionError';
  readonly code = 'ILLEGAL_TRANSITION';
}

/** The request conflicts with what is stored (e.g. a delivery id reused for another return). */
export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly code = 'CONFLICT';
}

/** The same marketplace delivery was already processed. Not an error for the sender. */
export class DuplicateDeliveryError extends DomainError {
  override readonly name = 'DuplicateDeliveryError';
  readonly code = 'DUPLICATE_DELIVERY';
}

/** The payment provider failed or did not answer in time; the refund may be retried. */
export class PaymentProviderError extends DomainError {
  override readonly name = 'PaymentProviderError';
  readonly code = 'PAYMENT_PROVIDER_UNAVAILABLE';
  readonly retryable: boolean;
  /** The provider's own word for a refusal (e.g. Stripe's `charge_already_refunded`), when it gave one. */
  readonly providerCode: string | undefined;
  constructor(message: string, retryable: boolean, options?: { cause?: unknown; providerCode?: string }) {
    super(message, options);
    this.retryable = retryable;
    this.providerCode = options?.providerCode;
  }
}

/** No valid credentials came with the request (no verified token claims). */
/**
 * Something this request needs from another service did not answer (a marketplace's API while
 * enriching a new case): nothing was written; 503, so the sender delivers again later.
 */
export class DependencyUnavailableError extends DomainError {
  override readonly name = 'DependencyUnavailableError';
  readonly code = 'DEPENDENCY_UNAVAILABLE';
}

export class AuthenticationError extends DomainError {
  override readonly name = 'AuthenticationError';
  readonly code = 'UNAUTHENTICATED';
}

/** The caller is known but may not do this: a role not allowed, or claims that do not qualify. */
export class ForbiddenError extends DomainError {
  override readonly name: string = 'ForbiddenError';
  readonly code: string = 'FORBIDDEN';
}

/** A refund above what the caller's role may approve; the message names the limit. */
export class AuthorityExceededError extends ForbiddenError {
  override readonly name = 'AuthorityExceededError';
  override readonly code = 'AUTHORITY_EXCEEDED';
}

/** A write came without the If-Match precondition it requires. */
export class PreconditionRequiredError extends DomainError {
  override readonly name = 'PreconditionRequiredError';
  readonly code = 'PRECONDITION_REQUIRED';
}
