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

  // The staff writes share one entry; the construct hands esbuild each one's `define` through
  // the CDK's own bundling. Read the bundles it wrote: each holds its own command's history
  // event and only the clients it is granted.
  const template = JSON.parse(readFileSync(path.join(outDir, 'DisputeDesk-dev-Stateless.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const bundleOf = (constructId: string) => {
    const [, fn] = Object.entries(template.Resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && new RegExp(`^${constructId}[0-9A-F]{8}$`).test(id),
    ) ?? [undefined, undefined];
    const asset = fn?.Metadata?.['aws:asset:path'];
    if (asset === undefined) throw new Error(`no bundled asset for ${constructId}`);
    return readFileSync(path.join(outDir, asset, 'index.mjs'), 'utf8');
  };
  const note = bundleOf('AddNote');
  const assign = bundleOf('AssignCase');
  expect(note).toContain('NOTE_ADDED');
  expect(note).not.toContain('CASE_ASSIGNED');
  expect(note).not.toContain('AWSCognitoIdentityProviderService');
  expect(assign).toContain('CASE_ASSIGNED');
  expect(assign).not.toContain('NOTE_ADDED');
  expect(assign).toContain('AWSCognitoIdentityProviderService');

  // Node's http module reaches every bundle as CommonJS through infra/bundling.ts's shim, never
  // as an ESM import (whose facade loads undici at cold start).
  const bundles = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path'] !== undefined)
    .map((r) => path.join(outDir, r.Metadata?.['aws:asset:path'] ?? '', 'index.mjs'))
    .filter((file) => existsSync(file));
  expect(bundles.length).toBeGreaterThan(20);
  for (const file of bundles) {
    const code = readFileSync(file, 'utf8');
    expect(code, file).not.toMatch(/from\s*"(node:)?http"/);
    expect(code, file).toContain('getBuiltinModule("node:http")');
  }
}, 240_000);
