/**
 * The operator gave something this command refuses (unknown stage, bad role, weak secret,
 * missing setting): the message says which and how to fix it. Raised before any AWS call;
 * the CLIs exit 2 on it.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An AWS-side precondition does not hold (not bootstrapped, no such stack output, user of another seller): exit 1. */
export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
}
