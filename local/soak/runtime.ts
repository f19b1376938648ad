import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { findFreePort, processState } from '../engines.ts';
import { SHOPIFY_SOAK_SELLER, STRIPE_SOAK_SELLER } from './webhook-traffic.ts';

/**
 * The local runtime (`node local/start.ts`) as a child process, as the local-runtime test
 * starts it: in memory, on free ports, with the soak's local-only settings. Its output goes
 * to a log file (the soak's own terminal shows only the progress bar); the Java pid is read
 * from its start-up line, and stop() proves the JVM gone, killing it if it is not.
 */

const startScript = fileURLToPath(new URL('../start.ts', import.meta.url));
/** The log line at info level, or the ready banner (printed whatever the log level). */
const PID_LINES = [/dynamodb-local pid=(\d+)/, /DynamoDB Local \S+ \(pid (\d+)\)/];

function javaPidFrom(output: string): number {
  for (const line of PID_LINES) {
    const pid = Number(line.exec(output)?.[1]);
    if (Number.isInteger(pid) && pid > 1) return pid;
  }
  return Number.NaN;
}

/** The JVM listening on `port`, found by its command line (a second opinion on the banner). */
function javaPidByPort(port: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('-port');
      if (at >= 0 && args[at + 1] === String(port) && args.some((a) => a.endsWith('DynamoDBLocal.jar'))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return Number.NaN;
}
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

export type RuntimeSettings = {
  /** Fault proxies and POST /_local/faults (LOCAL_FAULTS=1). */
  faults: boolean;
  /** LOCAL_CLOCK_RATE for escalate-stale-cases. */
  clockRate: number;
  scheduleEveryMs: number;
  /** Handler's payment provider timeout (PAYMENT_PROVIDER_TIMEOUT_MS). */
  paymentTimeoutMs: number;
  logFile: string;
};

export type SoakRuntime = {
  readonly baseUrl: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly paymentsUrl: string;
  /** The Stripe stand-in the runtime pays STRIPE_SOAK_SELLER's refunds through (#16). */
  readonly stripeUrl: string;
  /** The Shopify Admin API stand-in the runtime pays SHOPIFY_SOAK_SELLER's refunds through (#16). */
  readonly shopifyAdminUrl: string;
  /** The receiver of demo-market's outbound notifications (#21): GET /_control/deliveries. */
  readonly notificationsUrl: string;
  readonly javaPid: number;
  readonly tableName: string;
  /** Lines the runtime wrote at ERROR level (counted from its log). */
  errorLines(): number;
  exited(): boolean;
  /** SIGINT, wait for a clean exit, then make sure the JVM is gone. Returns what happened. */
  stop(): Promise<{ exitCode: number | null; signal: string | null; javaGone: boolean; forced: boolean }>;
};

export class RuntimeStartError extends Error {
  override readonly name = 'RuntimeStartError';
}

export async function startSoakRuntime(settings: RuntimeSettings): Promise<SoakRuntime> {
  const [port, dynamodbPort, sqsPort, paymentsPort, stripePort, receiverPort, shopifyAdminPort] = [
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
  ];
  const tableName = 'dispute-desk-soak';
  const log: WriteStream = createWriteStream(settings.logFile);
  const child: ChildProcess = spawn(process.execPath, [startScript], {
    env: {
      ...process.env,
      LOCAL_IN_MEMORY: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      DYNAMODB_PORT: String(dynamodbPort),
      SQS_PORT: String(sqsPort),
      PAYMENT_PROVIDER_PORT: String(paymentsPort),
      SHOPIFY_ADMIN_PORT: String(shopifyAdminPort),
      MANAGED_LOGIN_PORT: '0',
      STRIPE_PORT: String(stripePort),
      NOTIFICATION_RECEIVER_PORT: String(receiverPort),
      // Failed notifications come back within seconds, not minutes: the soak drains them too.
      NOTIFICATION_RETRY_BASE_SECONDS: '1',
      // One seller's refunds go through Stripe (the official SDK, to the stand-in), the rest
      // through the generic provider: the ledger invariants cover both.
      REFUND_ROUTES: JSON.stringify({ default: 'http', sellers: { [STRIPE_SOAK_SELLER]: 'stripe', [SHOPIFY_SOAK_SELLER]: 'shopify' } }),
      TABLE_NAME: tableName,
      QUEUE_PREFIX: '',
      SCHEDULE_EVERY_MS: String(settings.scheduleEveryMs),
      LOCAL_FAULTS: settings.faults ? '1' : '0',
      LOCAL_CLOCK_RATE: String(settings.clockRate),
      PAYMENT_PROVIDER_TIMEOUT_MS: String(settings.paymentTimeoutMs),
      // Handler logs at WARN and the runtime's own lines at warn: at ten requests a second the
      // info lines would cost more CPU than the handlers on a 2-core machine.
      LOG_LEVEL: 'WARN',
      LOCAL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let head = '';
  let errors = 0;
  let pending = '';
  function collect(chunk: Buffer): void {
    log.write(chunk);
    const text = chunk.toString('utf8');
    if (head.length < 20_000) head += text;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (/\bERROR\b|"level":"ERROR"/.test(line)) errors += 1;
  }
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let javaPid = Number.NaN;
  // Last resort if the soak itself dies: neither the runtime nor its JVM may outlive it.
  function killOnSoakExit(): void {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (Number.isInteger(javaPid) && javaPid > 1 && processState(javaPid) === 'alive') process.kill(javaPid, 'SIGKILL');
  }
  process.on('exit', killOnSoakExit);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let healthy = false;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) {
        healthy = true;
        break;
      }
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  javaPid = javaPidFrom(head);
  if (Number.isNaN(javaPid) && process.platform === 'linux') javaPid = javaPidByPort(dynamodbPort);

  async function stop() {
    let forced = false;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timedOut = await Promise.race([exit.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
      if (timedOut) {
        forced = true;
        child.kill('SIGKILL');
        await exit;
      }
    }
    if (Number.isInteger(javaPid) && javaPid > 1 && processState(javaPid) === 'alive') {
      forced = true;
      process.kill(javaPid, 'SIGKILL');
      const until = Date.now() + 5_000;
      while (processState(javaPid) === 'alive' && Date.now() < until) await sleep(100);
    }
    await new Promise<void>((resolve) => log.end(resolve));
    process.off('exit', killOnSoakExit);
    return {
      exitCode: child.exitCode,
      signal: child.signalCode,
      // An unknown pid proves nothing: report it as not gone rather than pass vacuously.
      javaGone:
        Number.isInteger(javaPid) &&
        processState(javaPid) !== 'alive' &&
        (process.platform !== 'linux' || Number.isNaN(javaPidByPort(dynamodbPort))),
      forced,
    };
  }

  if (!healthy) {
    await stop();
    throw new RuntimeStartError(
      `The local runtime did not become healthy within ${READY_TIMEOUT_MS / 1000} s; see ${settings.logFile}:\n${head.slice(-3_000)}`,
    );
  }

  return {
    baseUrl,
    dynamodbEndpoint: `http://127.0.0.1:${dynamodbPort}`,
    sqsEndpoint: `http://127.0.0.1:${sqsPort}`,
    paymentsUrl: `http://127.0.0.1:${paymentsPort}`,
    stripeUrl: `http://127.0.0.1:${stripePort}`,
    notificationsUrl: `http://127.0.0.1:${receiverPort}`,
    shopifyAdminUrl: `http://127.0.0.1:${shopifyAdminPort}`,
    javaPid,
    tableName,
    errorLines: () => errors,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop,
  };
}
