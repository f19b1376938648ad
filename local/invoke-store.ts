import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Per-invocation state for the local runtime, provided the way Lambda's Node.js runtime
 * provides it when one execution environment serves several invocations at once (Lambda
 * Managed Instances): an `InvokeStore` on `globalThis.awslambda`, backed by
 * AsyncLocalStorage, with AWS_LAMBDA_MAX_CONCURRENCY set.
 *
 * Why: Powertools (Logger, Metrics, Batch) keeps its per-invocation state (the Lambda context
 * with function name and request id, appended keys such as the correlation id, metric
 * buffers, batch records) in that store when AWS_LAMBDA_MAX_CONCURRENCY is set, and in
 * module-level fields otherwise. Module-level is right in classic Lambda, where a process
 * runs one invocation at a time; locally every handler shares one process and invocations
 * interleave, so an HTTP request's error was logged under a scheduled job's function name
 * and correlation id. With the store, each invocation's log lines carry its own keys, and the
 * handlers keep their module-level Logger unchanged.
 *
 * The store's methods are the contract the runtime offers libraries (the shape of
 * `@aws/lambda-invoke-store`), so Powertools finds what it expects. Unlike that package's
 * multi-concurrency store, reads and writes outside any invocation (module load, a test
 * calling a handler directly) go to one shared context instead of throwing, which is how a
 * classic, one-at-a-time Lambda behaves.
 */

type Context = Record<PropertyKey, unknown>;

const REQUEST_ID = Symbol.for('_AWS_LAMBDA_REQUEST_ID');
const X_RAY_TRACE_ID = Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID');
const TENANT_ID = Symbol.for('_AWS_LAMBDA_TENANT_ID');
const TRACEPARENT = Symbol.for('_AWS_LAMBDA_TRACEPARENT');
const TRACESTATE = Symbol.for('_AWS_LAMBDA_TRACESTATE');
const BAGGAGE = Symbol.for('_AWS_LAMBDA_BAGGAGE');
/** Set by the runtime when an invocation starts; libraries may read them, never change them. */
const PROTECTED_KEYS: ReadonlySet<PropertyKey> = new Set([REQUEST_ID, X_RAY_TRACE_ID, TENANT_ID, TRACEPARENT, TRACESTATE, BAGGAGE]);

/** Powertools reads its state from here only while this variable is set; its value is not enforced locally. */
const CONCURRENCY_VARIABLE = 'AWS_LAMBDA_MAX_CONCURRENCY';
const LOCAL_MAX_CONCURRENCY = '64';

export class ProtectedInvocationKeyError extends Error {
  override readonly name = 'ProtectedInvocationKeyError';
}

export class LocalInvokeStore {
  readonly #storage = new AsyncLocalStorage<Context>();
  readonly #outsideInvocations: Context = {};

  #current(): Context {
    return this.#storage.getStore() ?? this.#outsideInvocations;
  }

  getContext(): Context | undefined {
    return this.#storage.getStore();
  }

  hasContext(): boolean {
    return this.#storage.getStore() !== undefined;
  }

  get<T = unknown>(key: PropertyKey): T | undefined {
    return this.#current()[key] as T | undefined;
  }

  set(key: PropertyKey, value: unknown): void {
    if (PROTECTED_KEYS.has(key)) throw new ProtectedInvocationKeyError(`Cannot modify protected Lambda context field: ${String(key)}`);
    this.#current()[key] = value;
  }

  run<T>(context: Context, fn: () => T): T {
    return this.#storage.run(context, fn);
  }

  getRequestId(): string {
    return this.get<string>(REQUEST_ID) ?? '-';
  }

  getXRayTraceId(): string | undefined {
    return this.get<string>(X_RAY_TRACE_ID);
  }

  getTenantId(): string | undefined {
    return this.get<string>(TENANT_ID);
  }

  getTraceparent(): string | undefined {
    return this.get<string>(TRACEPARENT);
  }

  getTracestate(): string | undefined {
    return this.get<string>(TRACESTATE);
  }

  getBaggage(): string | undefined {
    return this.get<string>(BAGGAGE);
  }
}

type InvokeStoreHost = { awslambda?: { InvokeStore?: LocalInvokeStore } };

/**
 * The process's invoke store, installed on first use. Idempotent, so every trigger of the
 * local runtime (gateway, scheduler, SQS poller) can ask for it without an ordering rule.
 *
 * It replaces any store already there: the AWS SDK's recursion-detection middleware asks
 * `@aws/lambda-invoke-store` for an instance on its first call, and that package installs its
 * *single-invocation* store on `globalThis.awslambda` when AWS_LAMBDA_MAX_CONCURRENCY is not
 * set yet (the runtime provisions its table before any handler runs). That store keeps one
 * context for the whole process, so interleaved invocations shared Powertools' batch state:
 * a worker's failed records went missing from its batchItemFailures, the poller deleted them,
 * and refunds stayed APPLYING with no message left (found by the soak).
 */
export function localInvokeStore(): LocalInvokeStore {
  const host = globalThis as unknown as InvokeStoreHost;
  host.awslambda ??= {};
  if (!(host.awslambda.InvokeStore instanceof LocalInvokeStore)) host.awslambda.InvokeStore = new LocalInvokeStore();
  process.env[CONCURRENCY_VARIABLE] ??= LOCAL_MAX_CONCURRENCY;
  return host.awslambda.InvokeStore;
}

/** Runs `fn` as one invocation: everything it starts, awaited or not, sees this invocation's context. */
export function runInvocation<T>(awsRequestId: string, fn: () => T): T {
  return localInvokeStore().run({ [REQUEST_ID]: awsRequestId }, fn);
}
