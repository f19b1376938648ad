import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findFreePort, isProcessAlive } from '#local/engines.ts';

/**
 * A test run or `npm start` killed without a chance to clean up must leave no DynamoDB Local
 * JVM behind: the watchdog (local/engine-watchdog.ts) ends it when its parent dies.
 */

// Starts a JVM in a child process: slow on a loaded machine, never a hang.
vi.setConfig({ testTimeout: 120_000 });

const CHILD_SCRIPT = fileURLToPath(new URL('../support/dynamodb-local-child.ts', import.meta.url));
const START_SCRIPT = fileURLToPath(new URL('../../local/start.ts', import.meta.url));
/** Generous: the watchdog gives Java 3 s after SIGTERM; a loaded machine may be slow to notice. */
const GONE_WITHIN_MS = 30_000;

const children: ChildProcess[] = [];
const javaPids: number[] = [];

// If the watchdog fails, this file must still not leave a JVM running on the machine.
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of javaPids.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
});

/** Spawns `node <script>` and resolves with the first match of `pattern` in its output. */
async function spawnUntil(
  script: string,
  pattern: RegExp,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    function collect(chunk: Buffer): void {
      output += chunk.toString('utf8');
      const found = pattern.exec(output);
      if (found !== null) resolve(found);
    }
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code, signal) =>
      reject(new Error(`${script} exited before printing ${pattern} (code ${code}, signal ${signal}):\n${output}`)),
    );
  });
  return { child, match };
}

async function startEngineInChild(): Promise<{ child: ChildProcess; javaPid: number; watchdogPid: number }> {
  const { child, match } = await spawnUntil(CHILD_SCRIPT, /^(\{.*\})\n/m);
  const pids = JSON.parse(match[1] ?? '') as { javaPid: number; watchdogPid: number };
  javaPids.push(pids.javaPid);
  return { child, ...pids };
}

describe('engine watchdog', () => {
  it.each(['SIGKILL', 'SIGTERM'] as const)('ends the DynamoDB Local JVM when the process that started it dies of %s', async (signal) => {
    // Prepare: a JVM started the way npm start and the global setup start it.
    const { child, javaPid, watchdogPid } = await startEngineInChild();
    expect(isProcessAlive(javaPid)).toBe(true);
    expect(readFileSync(`/proc/${javaPid}/cmdline`, 'utf8')).toContain('DynamoDBLocal.jar');
    expect(isProcessAlive(watchdogPid)).toBe(true);

    // Act: the parent dies without running any clean-up of its own.
    child.kill(signal);
    const [code, exitSignal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, exitSignal }).toEqual({ code: null, exitSignal: signal });

    // Assess: the JVM ends (a zombie waiting for its adopter to collect it runs nothing), and
    // the watchdog leaves after it.
    await expect.poll(() => isProcessAlive(javaPid), { timeout: GONE_WITHIN_MS, interval: 100 }).toBe(false);
    await expect.poll(() => isProcessAlive(watchdogPid), { timeout: GONE_WITHIN_MS, interval: 100 }).toBe(false);
  });

  it('ends the JVM of npm start (local/start.ts) killed with SIGKILL', async () => {
    const env = {
      ...process.env,
      LOCAL_IN_MEMORY: '1',
      PORT: String(await findFreePort()),
      HOST: '127.0.0.1',
      DYNAMODB_PORT: String(await findFreePort()),
      SQS_PORT: String(await findFreePort()),
      PAYMENT_PROVIDER_PORT: String(await findFreePort()),
      SHOPIFY_ADMIN_PORT: '0',
      MANAGED_LOGIN_PORT: '0',
      // Any free port: the default (4014) collides when these files run in parallel.
      NOTIFICATION_RECEIVER_PORT: '0',
      STRIPE_PORT: '0',
    };
    const { child, match } = await spawnUntil(START_SCRIPT, /dynamodb-local pid=(\d+)/, env);
    const javaPid = Number(match[1]);
    javaPids.push(javaPid);
    expect(isProcessAlive(javaPid)).toBe(true);

    child.kill('SIGKILL');
    await once(child, 'exit');

    await expect.poll(() => isProcessAlive(javaPid), { timeout: GONE_WITHIN_MS, interval: 100 }).toBe(false);
  });
});
