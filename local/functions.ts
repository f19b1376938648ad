import type { HttpHandler } from './http-gateway.ts';
import type { ScheduledHandler } from './scheduler.ts';
import type { SqsHandler } from './sqs-poller.ts';

/**
 * Every function the local runtime runs, and what triggers it. Adding a function is one
 * entry here. `load` is a dynamic import on purpose: entry files read their configuration at
 * module load, so the runtime must set process.env (endpoints, table, queue URLs) first.
 *
 * Keep names, paths, timeouts and batch settings in step with the CDK stacks.
 */

type Common = {
  /** Lambda function name locally; also the folder under functions/. */
  functionName: string;
  /** @default per trigger: 30 s for HTTP and SQS, 60 s for schedules */
  timeoutSeconds?: number;
  memoryLimitInMB?: number;
};

export type HttpFunction = Common & {
  kind: 'http';
  method: string;
  /** API Gateway route path, e.g. `/cases/{id}`. */
  path: string;
  load: () => Promise<{ handler: HttpHandler }>;
};

/** Queues the runtime provisions, by key; see provisionQueues() in local/provision.ts. */
export type QueueKey = 'refund';

export type SqsFunction = Common & {
  kind: 'sqs';
  queue: QueueKey;
  /** Messages per invocation, 1–10. */
  batchSize: number;
  load: () => Promise<{ handler: SqsHandler }>;
};

export type ScheduleFunction = Common & {
  kind: 'schedule';
  /** @default SCHEDULE_EVERY_MS of the runtime */
  everyMs?: number;
  load: () => Promise<{ handler: ScheduledHandler }>;
};

export type LocalFunction = HttpFunction | SqsFunction | ScheduleFunction;

export const localFunctions: readonly LocalFunction[] = [
  {
    kind: 'http',
    method: 'POST',
    path: '/webhooks/{marketplace}',
    functionName: 'receive-webhook',
    load: () => import('../functions/receive-webhook/index.ts'),
  },
  {
    kind: 'http',
    method: 'GET',
    path: '/cases/{id}',
    functionName: 'get-case',
    load: () => import('../functions/get-case/index.ts'),
  },
  {
    kind: 'sqs',
    queue: 'refund',
    // Small batches: each record may wait on the payment provider.
    batchSize: 5,
    functionName: 'apply-refund',
    load: () => import('../functions/apply-refund/index.ts'),
  },
  {
    kind: 'schedule',
    functionName: 'relay-refund-outbox',
    load: () => import('../functions/relay-refund-outbox/index.ts'),
  },
  // Not written yet; uncomment when the entry file exists.
  // { kind: 'schedule', functionName: 'escalate-stale-cases', load: () => import('../functions/escalate-stale-cases/index.ts') },
];
