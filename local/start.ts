import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { ConfigurationError, loadConfig } from '#lib/config.ts';
import { createConsoleLogger } from './console-logger.ts';
import {
  DEV_CURSOR_SIGNING_KEY,
  DEV_MARKETPLACE_SETTINGS,
  DEV_NOTIFICATION_SECRETS,
  DEV_STAFF_DIRECTORY,
  DEV_WEBHOOK_SECRETS,
  DEV_STRIPE_KEY,
} from './dev-secrets.ts';
import { DEV_SHOPIFY_SHOP } from './sample-webhook.ts';
import { verifyDevToken } from './dev-auth.ts';
import { buildConsole, consoleRoutes } from './console-server.ts';
import { assertPortFree, LOCAL_CREDENTIALS, PortInUseError, startDynamoDbLocal, startSqsEngine } from './engines.ts';
import { type LocalFunction, localFunctions, type QueueKey } from './functions.ts';
import { createHttpGateway, type HealthReport, type HttpRoute } from './http-gateway.ts';
import { localInvokeStore } from './invoke-store.ts';
import { type ProvisionedQueue, type ProvisionedQueues, provisionQueue, provisionQueues, provisionTable } from './provision.ts';
import { startNotificationReceiver } from './notification-receiver.ts';
import { notificationQueue } from '#infra/definitions.ts';
import { startPaymentSimulator } from './payment-simulator.ts';
import { startManagedLoginStandin } from './managed-login-standin.ts';
import { startShopifyAdminStandin } from './shopify-admin-standin.ts';
import { startStripeStandin } from './stripe-standin.ts';
import { startScheduler } from './scheduler.ts';
import { startSqsPoller } from './sqs-poller.ts';
import { type LocalFaults, startLocalFaults } from './fault-control.ts';

/**
 * `npm start`: the whole system on one machine. Real DynamoDB Local and fauxqs, the table and
 * queues from infra/definitions.ts, and the real Lambda handlers behind a local API Gateway,
 * SQS event source and schedule.
 *
 * Steps: read settings; check ports; start DynamoDB Local, then fauxqs; provision table and
 * queues; set the handlers' environment; import the handlers; start schedules, pollers and
 * finally the HTTP gateway. Everything started is remembered, so a failure or a signal stops
 * it again in reverse order: HTTP, pollers, schedules, fauxqs, Java.
 */

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const log = createConsoleLogger({ component: 'runtime' });

const portSetting = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const flagSetting = z
  .enum(['', '0', '1', 'false', 'true'])
  .default('0')
  .transform((v) => v === '1' || v === 'true');

const settingsSchema = z.object({
  PORT: portSetting(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DYNAMODB_PORT: portSetting(8000),
  SQS_PORT: portSetting(4566),
  /** The local payment provider simulator (local/payment-simulator.ts). */
  PAYMENT_PROVIDER_PORT: portSetting(4010),
  /** The local Shopify Admin GraphQL stand-in (local/shopify-admin-standin.ts). */
  SHOPIFY_ADMIN_PORT: portSetting(4011),
  /** The local Stripe stand-in (local/stripe-standin.ts) the official SDK is pointed at. */
  STRIPE_PORT: portSetting(4013),
  /**
   * Which provider pays which refunds (see functions/lib/wiring/payment-provider.ts). Locally:
   * the payment simulator for everyone, Stripe (its stand-in) for the seller SELLER-STRIPE.
   */
  REFUND_ROUTES: z.string().min(2).default('{"default":"http","sellers":{"SELLER-STRIPE":"stripe"}}'),
  /** The local stand-in for Cognito managed login the console signs in through (local/managed-login-standin.ts). */
  MANAGED_LOGIN_PORT: portSetting(4012),
  /** The local receiver of outbound notifications, a marketplace's side (local/notification-receiver.ts, #21). */
  NOTIFICATION_RECEIVER_PORT: portSetting(4014),
  /** Seconds before a failed notification is tried again, doubling each try (#21). */
  NOTIFICATION_RETRY_BASE_SECONDS: z.coerce.number().int().min(0).max(900).default(10),
  DATA_DIR: z.string().min(1).default('.local-data'),
  LOCAL_IN_MEMORY: flagSetting,
  TABLE_NAME: z.string().min(3).max(255).default('dispute-desk-local'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'letters, digits, - and _ only')
    .default(''),
  SCHEDULE_EVERY_MS: z.coerce.number().int().min(1_000).default(60_000),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']).default('INFO'),
  /** Local only, for the soak: fault proxies in front of the engines and POST /_local/faults (local/fault-control.ts). */
  LOCAL_FAULTS: flagSetting,
  /** Local only: escalate-stale-cases (and the outbox relay) see time pass this many times faster (local/local-clock.ts). */
  LOCAL_CLOCK_RATE: z.coerce.number().min(1).max(1_000_000).default(1),
});
type Settings = z.infer<typeof settingsSchema>;

type Running = { name: string; stop: () => Promise<void> };
/** Everything started so far, in start order; stopped in reverse. */
const running: Running[] = [];
let shuttingDown = false;
let startupFinished = false;

class StartAbortedError extends Error {
  override readonly name = 'StartAbortedError';
}

/** A start-up failure the developer fixes by changing a setting; no stack trace needed. */
class StartUpProblem extends Error {
  override readonly name = 'StartUpProblem';
}

function checkNotAborted(): void {
  if (shuttingDown) throw new StartAbortedError('start-up interrupted by a signal');
}

/** Stops everything, carrying on past failures; resolves false if anything could not stop. */
async function stopEverything(): Promise<boolean> {
  let allStopped = true;
  for (const resource of running.splice(0).reverse()) {
    try {
      await resource.stop();
      log.info(`stopped ${resource.name}`);
    } catch (error) {
      allStopped = false;
      log.error(`could not stop ${resource.name}`, { error });
    }
  }
  return allStopped;
}

/** Port errors name the setting to change; everything else passes through. */
function explainPortError(error: unknown, setting: string): unknown {
  if (error instanceof PortInUseError) {
    return new StartUpProblem(`${error.message}: stop whatever holds it, or set ${setting} to another port`, { cause: error });
  }
  return error;
}

function printSettings(settings: Settings, dataDir: string | undefined): void {
  const lines = [
    'Dispute Desk local runtime, settings (environment variable = value):',
    `  PORT=${settings.PORT} HOST=${settings.HOST}`,
    `  DYNAMODB_PORT=${settings.DYNAMODB_PORT} SQS_PORT=${settings.SQS_PORT} PAYMENT_PROVIDER_PORT=${settings.PAYMENT_PROVIDER_PORT}`,
    `  DATA_DIR=${settings.DATA_DIR} LOCAL_IN_MEMORY=${settings.LOCAL_IN_MEMORY ? 1 : 0}${dataDir === undefined ? ' (in memory: nothing is kept)' : ` (${dataDir})`}`,
    `  TABLE_NAME=${settings.TABLE_NAME} QUEUE_PREFIX='${settings.QUEUE_PREFIX}' SCHEDULE_EVERY_MS=${settings.SCHEDULE_EVERY_MS}`,
    `  AWS_REGION=${settings.AWS_REGION} LOG_LEVEL=${settings.LOG_LEVEL}`,
    ...(settings.LOCAL_FAULTS || settings.LOCAL_CLOCK_RATE !== 1
      ? [`  LOCAL_FAULTS=${settings.LOCAL_FAULTS ? 1 : 0} LOCAL_CLOCK_RATE=${settings.LOCAL_CLOCK_RATE} (soak settings, local only)`]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The environment the handlers read at module load: the same variable names the CDK stacks
 * set in AWS, pointing at the local engines instead.
 */
function setHandlerEnvironment(
  settings: Settings,
  endpoints: { dynamodb: string; sqs: string; payments: string; stripe: string; shopifyAdmin: string; notifications: string },
  queues: ProvisionedQueues,
  notifications: ProvisionedQueue,
): void {
  Object.assign(process.env, {
    TABLE_NAME: settings.TABLE_NAME,
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    SQS_ENDPOINT: endpoints.sqs,
    AWS_REGION: settings.AWS_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    REFUND_QUEUE_URL: queues.refundQueueUrl,
    // Outbound notifications (#21): demo-market gets signed webhooks at the local receiver,
    // Shopify is answered through its Admin API (the stand-in).
    NOTIFICATION_QUEUE_URL: notifications.url,
    NOTIFICATION_CHANNELS: JSON.stringify({
      'demo-market': { kind: 'webhook', url: `${endpoints.notifications}/webhooks/demo-market` },
      shopify: { kind: 'shopify-admin' },
    }),
    NOTIFICATION_SIGNING_SECRETS: JSON.stringify(DEV_NOTIFICATION_SECRETS),
    NOTIFICATION_RETRY_BASE_SECONDS: String(settings.NOTIFICATION_RETRY_BASE_SECONDS),
    PAYMENT_PROVIDER_URL: endpoints.payments,
    // Refunds: routed per marketplace/seller; Stripe and Shopify through their official SDKs to the stand-ins.
    REFUND_ROUTES: settings.REFUND_ROUTES,
    STRIPE_API_KEY: DEV_STRIPE_KEY,
    STRIPE_API_URL: endpoints.stripe,
    SHOPIFY_ADMIN_URL: endpoints.shopifyAdmin,
    SHOPIFY_ADMIN_TOKENS: JSON.stringify({ [DEV_SHOPIFY_SHOP]: 'shpat_dev_standin_token' }),
    WEBHOOK_SECRETS: JSON.stringify(DEV_WEBHOOK_SECRETS),
    // Each marketplace's own settings (its definition's devSettings): for Shopify, SHOPIFY_SHOPS
    // maps the development shop to the sample seller (npm run sign -- --marketplace shopify).
    ...DEV_MARKETPLACE_SETTINGS,
    // Seller API: the page-cursor key and the staff directory (Cognito in AWS).
    CURSOR_SIGNING_KEY: DEV_CURSOR_SIGNING_KEY,
    STAFF_DIRECTORY: JSON.stringify(DEV_STAFF_DIRECTORY),
    POWERTOOLS_SERVICE_NAME: 'dispute-desk',
    POWERTOOLS_DEV: 'true',
    // No X-Ray daemon here (Tracer would also switch itself off: no AWS_EXECUTION_ENV).
    POWERTOOLS_TRACE_ENABLED: 'false',
    LOG_LEVEL: settings.LOG_LEVEL,
  });
  // A real session token or secret ARNs from the developer's shell would mix with the
  // local settings: the dummy keys would be sent with a real token, and the wiring accepts
  // exactly one source of webhook secrets.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  delete process.env.WEBHOOK_SECRET_ARNS;
  delete process.env.STRIPE_SECRET_ARN;
  delete process.env.SHOPIFY_ADMIN_TOKENS_ARN;
  delete process.env.STAFF_USER_POOL_ID;
  delete process.env.NOTIFICATION_SIGNING_SECRETS_ARN;
  // Before any handler module (and its Powertools Logger) loads: per-invocation log keys.
  localInvokeStore();
}

async function loadHandler<F extends LocalFunction>(fn: F): Promise<Awaited<ReturnType<F['load']>>['handler']> {
  let module: { handler?: unknown };
  try {
    module = await fn.load();
  } catch (error) {
    throw new Error(`Could not load function ${fn.functionName}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof module.handler !== 'function') throw new Error(`Function ${fn.functionName} exports no handler`);
  return module.handler as Awaited<ReturnType<F['load']>>['handler'];
}

function healthCheck(
  settings: Settings,
  endpoints: { dynamodb: string; sqs: string },
  queues: ProvisionedQueues,
): () => Promise<HealthReport> {
  // Own clients without retries: a health check should answer quickly, not retry for seconds.
  const dynamo = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: settings.AWS_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region: settings.AWS_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });

  async function probe(check: () => Promise<string | undefined>): Promise<{ ok: boolean; detail?: string; error?: string }> {
    try {
      const detail = await check();
      return detail === undefined ? { ok: true } : { ok: true, detail };
    } catch (error) {
      return { ok: false, error: `${(error as Error).name}: ${(error as Error).message}` };
    }
  }

  return async function health() {
    const [dynamodb, sqsState] = await Promise.all([
      probe(async function describeTable() {
        const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: settings.TABLE_NAME }), {
          abortSignal: AbortSignal.timeout(2_000),
        });
        return Table?.TableStatus;
      }),
      probe(async function queueAttributes() {
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.refundQueueUrl, AttributeNames: ['QueueArn'] }), {
          abortSignal: AbortSignal.timeout(2_000),
        });
        return undefined;
      }),
    ]);
    const ok = dynamodb.ok && sqsState.ok;
    return {
      status: ok ? 200 : 503,
      body: {
        status: ok ? 'ok' : 'unavailable',
        engines: {
          dynamodb: { ...dynamodb, endpoint: endpoints.dynamodb, table: settings.TABLE_NAME },
          sqs: { ...sqsState, endpoint: endpoints.sqs, queue: queues.refundQueueArn },
        },
      },
    };
  };
}

async function start(): Promise<void> {
  const settings = loadConfig(settingsSchema);
  const dataRoot = isAbsolute(settings.DATA_DIR) ? settings.DATA_DIR : resolve(projectRoot, settings.DATA_DIR);
  const dataDir = settings.LOCAL_IN_MEMORY ? undefined : dataRoot;
  printSettings(settings, dataDir);

  // Fail in the first second, naming the setting, rather than after the JVM has started.
  const portChecks: [number, string][] = [
    [settings.PORT, 'PORT'],
    [settings.DYNAMODB_PORT, 'DYNAMODB_PORT'],
    [settings.SQS_PORT, 'SQS_PORT'],
    [settings.PAYMENT_PROVIDER_PORT, 'PAYMENT_PROVIDER_PORT'],
    [settings.SHOPIFY_ADMIN_PORT, 'SHOPIFY_ADMIN_PORT'],
    [settings.MANAGED_LOGIN_PORT, 'MANAGED_LOGIN_PORT'],
    [settings.STRIPE_PORT, 'STRIPE_PORT'],
    [settings.NOTIFICATION_RECEIVER_PORT, 'NOTIFICATION_RECEIVER_PORT'],
  ];
  for (const [port, setting] of portChecks) {
    if (port !== 0) await assertPortFree(port, setting).catch((error: unknown) => Promise.reject(explainPortError(error, setting)));
  }

  if (dataDir !== undefined) {
    mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
    mkdirSync(join(dataDir, 'sqs'), { recursive: true });
  }

  const dynamodb = await startDynamoDbLocal({
    ...(settings.DYNAMODB_PORT === 0 ? {} : { port: settings.DYNAMODB_PORT }),
    ...(dataDir === undefined ? {} : { dataDir: join(dataDir, 'dynamodb') }),
  }).catch((error: unknown) => Promise.reject(explainPortError(error, 'DYNAMODB_PORT')));
  running.push({ name: `DynamoDB Local (pid ${dynamodb.pid})`, stop: dynamodb.stop });
  // Parseable on purpose: tests and scripts read the Java pid from this line.
  log.info(`dynamodb-local pid=${dynamodb.pid}`, { endpoint: dynamodb.endpoint });
  checkNotAborted();

  const sqsEngine = await startSqsEngine({
    port: settings.SQS_PORT,
    ...(dataDir === undefined ? {} : { dataDir: join(dataDir, 'sqs') }),
  }).catch((error: unknown) => Promise.reject(explainPortError(error, 'SQS_PORT')));
  running.push({ name: 'fauxqs', stop: sqsEngine.stop });
  log.info('fauxqs started', { endpoint: sqsEngine.endpoint });
  checkNotAborted();

  const payments = await startPaymentSimulator({ port: settings.PAYMENT_PROVIDER_PORT, host: '127.0.0.1' }).catch((error: unknown) =>
    Promise.reject(explainPortError(error, 'PAYMENT_PROVIDER_PORT')),
  );
  running.push({ name: 'payment simulator', stop: payments.stop });
  log.info('payment simulator started', { url: payments.url });
  checkNotAborted();

  const shopifyAdmin = await startShopifyAdminStandin({
    port: settings.SHOPIFY_ADMIN_PORT,
    host: '127.0.0.1',
    accessTokens: { 'dev-shop.myshopify.com': 'shpat_dev_standin_token', [DEV_SHOPIFY_SHOP]: 'shpat_dev_standin_token' },
  }).catch((error: unknown) => Promise.reject(explainPortError(error, 'SHOPIFY_ADMIN_PORT')));
  running.push({ name: 'Shopify Admin stand-in', stop: shopifyAdmin.stop });
  const stripe = await startStripeStandin({ port: settings.STRIPE_PORT, host: '127.0.0.1', keys: [DEV_STRIPE_KEY] }).catch(
    (error: unknown) => Promise.reject(explainPortError(error, 'STRIPE_PORT')),
  );
  running.push({ name: 'Stripe stand-in', stop: stripe.stop });
  log.info('Stripe stand-in started', { url: stripe.url });
  log.info('Shopify Admin stand-in started', { url: shopifyAdmin.url });
  checkNotAborted();

  const login = await startManagedLoginStandin({ port: settings.MANAGED_LOGIN_PORT, host: '127.0.0.1' }).catch((error: unknown) =>
    Promise.reject(explainPortError(error, 'MANAGED_LOGIN_PORT')),
  );
  running.push({ name: 'managed login stand-in', stop: login.stop });
  log.info('managed login stand-in started', { url: login.url });
  checkNotAborted();

  const receiver = await startNotificationReceiver({
    port: settings.NOTIFICATION_RECEIVER_PORT,
    host: '127.0.0.1',
    secrets: DEV_NOTIFICATION_SECRETS,
  }).catch((error: unknown) => Promise.reject(explainPortError(error, 'NOTIFICATION_RECEIVER_PORT')));
  running.push({ name: 'notification receiver', stop: receiver.stop });
  log.info('notification receiver started', { url: receiver.url });
  checkNotAborted();

  const endpoints = {
    notifications: receiver.url,
    dynamodb: dynamodb.endpoint,
    sqs: sqsEngine.endpoint,
    payments: payments.url,
    stripe: stripe.url,
    shopifyAdmin: shopifyAdmin.url,
  };
  const dynamoClient = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: settings.AWS_REGION, credentials: LOCAL_CREDENTIALS });
  const sqsClient = new SQSClient({ endpoint: endpoints.sqs, region: settings.AWS_REGION, credentials: LOCAL_CREDENTIALS });
  await provisionTable(dynamoClient, settings.TABLE_NAME);
  const queues = await provisionQueues(sqsClient, settings.QUEUE_PREFIX);
  const notifications = await provisionQueue(sqsClient, settings.QUEUE_PREFIX, notificationQueue);
  dynamoClient.destroy();
  log.info('provisioned', { table: settings.TABLE_NAME, refundQueue: queues.refundQueueArn, refundDlq: queues.refundDlqArn });
  checkNotAborted();

  let faults: LocalFaults | undefined;
  if (settings.LOCAL_FAULTS) {
    faults = await startLocalFaults({ dynamodb: endpoints.dynamodb, sqs: endpoints.sqs, log: log.child('faults') });
    running.push({ name: 'fault proxies', stop: faults.stop });
    log.warn('LOCAL_FAULTS=1: handlers reach the engines through fault proxies; POST /_local/faults injects faults', {
      ...faults.handlerEndpoints,
    });
  }
  setHandlerEnvironment(settings, { ...endpoints, ...faults?.handlerEndpoints }, queues, notifications);
  const queueByKey: Record<QueueKey, { url: string; arn: string }> = {
    refund: { url: queues.refundQueueUrl, arn: queues.refundQueueArn },
    notification: { url: notifications.url, arn: notifications.arn },
  };

  const routes: HttpRoute[] = [];
  for (const fn of localFunctions) {
    const timeout = fn.timeoutSeconds === undefined ? {} : { timeoutSeconds: fn.timeoutSeconds };
    const memory = fn.memoryLimitInMB === undefined ? {} : { memoryLimitInMB: fn.memoryLimitInMB };
    switch (fn.kind) {
      case 'http': {
        const auth = fn.auth === undefined ? {} : { auth: fn.auth };
        routes.push({
          method: fn.method,
          path: fn.path,
          functionName: fn.functionName,
          handler: await loadHandler(fn),
          ...timeout,
          ...memory,
          ...auth,
        });
        break;
      }
      case 'schedule': {
        const scheduler = startScheduler({
          name: fn.functionName,
          everyMs: fn.everyMs ?? settings.SCHEDULE_EVERY_MS,
          handler: await loadHandler(fn),
          region: settings.AWS_REGION,
          log,
          ...timeout,
        });
        running.push({ name: `schedule ${fn.functionName}`, stop: scheduler.stop });
        break;
      }
      case 'sqs': {
        const queue = queueByKey[fn.queue];
        const poller = startSqsPoller({
          sqs: sqsClient,
          queueUrl: queue.url,
          queueArn: queue.arn,
          region: settings.AWS_REGION,
          batchSize: fn.batchSize,
          // What Lambda's event source mapping uses; stop() aborts the wait.
          waitTimeSeconds: 20,
          functionName: fn.functionName,
          handler: await loadHandler(fn),
          log,
          ...timeout,
          ...memory,
        });
        running.push({ name: `poller ${fn.functionName}`, stop: poller.stop });
        faults?.registerPoller(fn.functionName, poller);
        break;
      }
    }
  }
  checkNotAborted();

  const consoleBundle = await buildConsole();
  const gateway = createHttpGateway(routes, {
    log: log.child('http'),
    health: healthCheck(settings, endpoints, queues),
    region: settings.AWS_REGION,
    // Staff routes: tokens signed with the dev key (local/dev-auth.ts), like the JWT authorizer in AWS.
    jwtAuthorizer: verifyDevToken,
    extraRoutes: [...consoleRoutes(consoleBundle, { domain: login.url, clientId: login.clientId }), ...(faults?.routes ?? [])],
  });
  const port = await gateway.listen(settings.PORT, settings.HOST).catch(function explainListenError(error: NodeJS.ErrnoException) {
    const cause = error.code === 'EADDRINUSE' ? new PortInUseError(settings.PORT, `HTTP on ${settings.HOST}`, { cause: error }) : error;
    return Promise.reject(explainPortError(cause, 'PORT'));
  });
  running.push({ name: 'HTTP gateway', stop: gateway.close });

  const url = `http://${settings.HOST.includes(':') ? `[${settings.HOST}]` : settings.HOST}:${port}`;
  // The console's own URL is the sign-in's callback and logout URL, by either local name.
  for (const host of new Set([url, `http://localhost:${port}`, `http://127.0.0.1:${port}`])) login.allowRedirect(`${host}/console/`);
  const ready = [
    '',
    `Dispute Desk is running at ${url}  (health: ${url}/health)`,
    ...routes.map((r) => `  ${r.method.padEnd(5)} ${url}${r.path}  -> ${r.functionName}${r.auth === 'jwt' ? '  (JWT)' : ''}`),
    `  DynamoDB Local ${dynamodb.endpoint} (pid ${dynamodb.pid}), table ${settings.TABLE_NAME}`,
    `  SQS (fauxqs)   ${sqsEngine.endpoint}, queue ${queues.refundQueueUrl}`,
    `  notifications  ${receiver.url}/_control/deliveries (what demo-market was told; faults via POST /_control/faults)`,
    `  payments       ${payments.url} (simulator; ledger at ${payments.url}/_control/ledger, faults via POST /_control/faults)`,
    `  stripe         ${stripe.url}/v1/refunds (stand-in; seed payment intents via POST /_control/payment-intents, ledger at /_control/ledger)`,
    `  shopify admin  ${shopifyAdmin.url}/admin/api/<version>/graphql.json (stand-in; refunds at /_control/ledger, faults via POST /_control/faults)`,
    `  data folder    ${dataDir ?? '(in memory, LOCAL_IN_MEMORY=1)'}`,
    `Send a signed sample webhook: ${port === 3000 ? '' : `PORT=${port} `}npm run sign   (add -- --print-curl for a curl command)`,
    `  sign-in        ${login.url} (stand-in for Cognito managed login: code + PKCE; its page picks seller, role and user)`,
    `Staff console: ${url}/console (sign in through the stand-in: pick seller and role)`,
    'Staff API token (routes above marked JWT): npm run token -- --seller SELLER-42 --role agent   (API document: /openapi.json)',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(ready.join('\n'));
}

function onSignal(signal: NodeJS.Signals): void {
  if (shuttingDown) {
    // The engines' exit hook still kills Java synchronously on the way out.
    log.warn(`${signal} again: forcing exit`);
    process.exit(130);
  }
  shuttingDown = true;
  log.info(`${signal} received: stopping (press Ctrl-C again to force)`);
  if (!startupFinished) return; // start() notices the flag and cleans up itself
  stopEverything().then(
    function exitAfterStop(allStopped) {
      process.exit(allStopped ? 0 : 1);
    },
    function exitAfterFailure(error: unknown) {
      log.error('shutdown failed', { error });
      process.exit(1);
    },
  );
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  await start();
  startupFinished = true;
  if (shuttingDown) process.exit((await stopEverything()) ? 0 : 1);
} catch (error) {
  if (error instanceof StartAbortedError) process.exit((await stopEverything()) ? 0 : 1);
  const expected = error instanceof StartUpProblem || error instanceof ConfigurationError;
  log.error(`start-up failed: ${(error as Error).message}`, expected ? {} : { error });
  await stopEverything();
  process.exit(1);
}
