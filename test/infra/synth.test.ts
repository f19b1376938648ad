import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const outDir = mkdtempSync(path.join(tmpdir(), 'cdk-out-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

it('npm run synth writes both templates offline, with no AWS credentials or profile', async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  // A home without ~/.aws, so no profile or credential file can be picked up.
  env.HOME = outDir;
  await run('npm', ['run', 'synth', '--', '--output', outDir], { env, cwd: process.cwd(), timeout: 180_000 });
  for (const stack of ['DisputeDesk-dev-Stateful', 'DisputeDesk-dev-Stateless']) {
    const file = path.join(outDir, `${stack}.template.json`);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('Resources');
  }
}, 240_000);
