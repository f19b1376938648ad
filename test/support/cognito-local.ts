import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type CognitoLocal = {
  readonly endpoint: string;
  readonly pid: number;
  /** Everything it logged so far (it "sends" messages, temporary passwords included, to its log). */
  log(): string;
  stop(): Promise<void>;
};

/**
 * Starts cognito-local (the npm package) on a free port, with its data in a fresh temporary
 * directory (it keeps `.cognito/` in its working directory). One Node process, no children:
 * `stop()` ends it by its pid, waits for the exit and removes the directory.
 */
export async function startCognitoLocal(): Promise<CognitoLocal> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cognito-local-'));
  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('cognito-local/package.json')), 'lib/bin/start.js');
  const child = spawn(process.execPath, [bin], {
    cwd: dir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const capture = (data: Buffer) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strip colour codes from its log
    log += data.toString('utf8').replace(/\u001b\[[0-9;]*m/g, '');
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const endpoint = await listeningOn(child);
    return { endpoint, pid: child.pid as number, log: () => log, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function listeningOn(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`cognito-local did not start within 20 s:\n${seen}`)), 20_000);
    const onData = (data: Buffer) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strip colour codes from its log
      seen += data.toString('utf8').replace(/\u001b\[[0-9;]*m/g, '');
      const match = /running on (http:\/\/[^\s]+)/.exec(seen);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cognito-local exited with ${code}:\n${seen}`));
    });
  });
}
