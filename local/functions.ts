import type { HttpHandler } from './http-gateway.ts';
import { localClockRate } from './local-clock.ts';
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
  /** `jwt`: the gateway verifies a staff bearer token first, as API Gateway's JWT authorizer does. */
  auth?: 'jwt';
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
  // Seller staff API: one function per route, each behind the JWT authorizer.
  { kind: 'http', method: 'GET', path: '/cases', auth: 'jwt', functionName: 'list-cases', load: () => import('../functions/list-cases/index.ts') },
  { kind: 'http', method: 'GET', path: '/cases/{id}', auth: 'jwt', functionName: 'get-case', load: () => import('../functions/get-case/index.ts') },
  { kind: 'http', method: 'POST', path: '/cases/{id}/evidence', auth: 'jwt', functionName: 'add-evidence', load: () => import('../functions/add-evidence/index.ts') },
  { kind: 'http', method: 'POST', path: '/cases/{id}/approve', auth: 'jwt', functionName: 'approve-decision', load: () => import('../functions/approve-decision/index.ts') },
  { kind: 'http', method: 'POST', path: '/cases/{id}/override', auth: 'jwt', functionName: 'override-decision', load: () => import('../functions/override-decision/index.ts') },
  { kind: 'http', method: 'POST', path: '/cases/{id}/notes', auth: 'jwt', functionName: 'add-note', load: () => import('../functions/add-note/index.ts') },
  { kind: 'http', method: 'POST', path: '/cases/{id}/assign', auth: 'jwt', functionName: 'assign-case', load: () => import('../functions/assign-case/index.ts') },
  { kind: 'http', method: 'GET', path: '/openapi.json', functionName: 'get-openapi', load: () => import('../functions/get-openapi/index.ts') },
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
    // LOCAL_CLOCK_RATE > 1: on the escalation's accelerated clock, to find the outbox records it stamps.
    load: () => (localClockRate() > 1 ? import('./relay-refund-outbox-local-clock.ts') : import('../functions/relay-refund-outbox/index.ts')),
  },
  {
    kind: 'schedule',
    functionName: 'escalate-stale-cases',
    // A bounded batch per run (ESCALATION_BATCH_LIMIT) ends well inside this.
    timeoutSeconds: 60,
    // LOCAL_CLOCK_RATE > 1 (local only, see local/local-clock.ts): the same handler on an accelerated clock.
    load: () => (localClockRate() > 1 ? import('./escalate-stale-cases-local-clock.ts') : import('../functions/escalate-stale-cases/index.ts')),
  },
];
