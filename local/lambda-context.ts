import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { runInvocation } from './invoke-store.ts';

/**
 * Lambda-like invocation context for the local runtime. Handlers (and Powertools'
 * `injectLambdaContext`) read the function name, request id and remaining time from it, so it
 * carries the same fields with the same formats Lambda uses.
 */

/** fauxqs reports this account in its ARNs; using it everywhere keeps local ARNs consistent. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';
/** Lambda's own default; API-facing functions normally set more, see local/functions.ts. */
export const DEFAULT_TIMEOUT_SECONDS = 3;
export const DEFAULT_MEMORY_MB = 128;

export type LambdaContextOptions = {
  functionName: string;
  /** @default DEFAULT_TIMEOUT_SECONDS */
  timeoutSeconds?: number;
  /** @default DEFAULT_MEMORY_MB */
  memoryLimitInMB?: number;
  /** @default DEFAULT_REGION */
  region?: string;
  /** @default LOCAL_ACCOUNT_ID */
  accountId?: string;
  /** @default a fresh UUID, as Lambda does per invocation */
  awsRequestId?: string;
  /** @default Date.now(); injectable so the deadline is explicit */
  startedAtMs?: number;
};

export class CallbackStyleNotSupportedError extends Error {
  override readonly name = 'CallbackStyleNotSupportedError';
}

function logStreamName(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/** Builds a fresh context for one invocation. */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const timeoutMs = (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const startedAtMs = options.startedAtMs ?? Date.now();
  const deadlineMs = startedAtMs + timeoutMs;

  // The callback-era methods exist on the type; our handlers are async, so a call to one of
  // them is a bug worth surfacing rather than silently swallowing.
  function refuseCallbackStyle(method: string): never {
    throw new CallbackStyleNotSupportedError(`context.${method}() is not supported locally; return a promise instead`);
  }

  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? DEFAULT_MEMORY_MB),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: logStreamName(new Date(startedAtMs)),
    getRemainingTimeInMillis: function getRemainingTimeInMillis() {
      return Math.max(0, deadlineMs - Date.now());
    },
    done: function done() {
      refuseCallbackStyle('done');
    },
    fail: function fail() {
      refuseCallbackStyle('fail');
    },
    succeed: function succeed() {
      refuseCallbackStyle('succeed');
    },
  };
}

/** What Lambda reports when a function runs past its timeout. */
export class InvocationTimeoutError extends Error {
  override readonly name = 'InvocationTimeoutError';
}

/**
 * Runs a handler with the function's timeout, as Lambda would: past the deadline the
 * invocation counts as failed. Unlike Lambda we cannot freeze the handler, so it keeps
 * running in the background; its late outcome is ignored. Every local trigger invokes through
 * here, so each invocation runs in its own per-invocation context, as concurrent invocations
 * do in Lambda Managed Instances.
 */
export async function invokeWithTimeout<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  context: Context,
  timeoutSeconds: number,
): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(function rejectAfterTimeout(_resolve, reject) {
    timer = setTimeout(function onTimeout() {
      reject(new InvocationTimeoutError(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`));
    }, timeoutSeconds * 1000);
  });
  const invocation = Promise.resolve().then(function invoke() {
    // Its own async context, so interleaved invocations keep their own log keys (invoke-store.ts).
    return runInvocation(context.awsRequestId, () => handler(event, context));
  });
  // A late rejection after the timeout won must not become an unhandled rejection.
  invocation.catch(function ignoreLateFailure() {});
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
