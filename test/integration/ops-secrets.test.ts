import { spawn } from 'node:child_process';
import type { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { type OpsDeps, runOps } from '#ops/ops.ts';
import { useSecretsManagerStandIn } from '#test/support/secrets-manager-stand-in.ts';

/**
 * `npm run ops -- secrets put` with the real Secrets Manager SDK client against a small
 * local stand-in (test/support/secrets-manager-stand-in.ts: GetSecretValue and
 * PutSecretValue over the JSON 1.1 protocol, versions in memory). Not a Secrets Manager
 * engine: IAM, KMS, staging labels and concurrency are not exercised here.
 */

const OLD = 'generated-by-cdk-0123456789abcdefghijklmnopqrstuvw';
const NEW = 'whsec_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6';
const NEWER = 'whsec_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4';

const secretsManager = useSecretsManagerStandIn();

function harness(secret: string, outputs: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stacksAsked: (string | undefined)[] = [];
  const deps: OpsDeps = {
    cloudFormation: () =>
      ({
        send: async (command: DescribeStacksCommand) => {
          stacksAsked.push(command.input.StackName);
          return { Stacks: [{ Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
        },
      }) as never,
    secretsManager: () => secretsManager.client,
    cognito: () => {
      throw new Error('no Cognito here');
    },
    readSecret: async () => secret,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { deps, out, err, stacksAsked };
}

describe('secrets put', () => {
  it('rotates: the new value current, the replaced one previous; the secret never printed', async () => {
    const arn = secretsManager.standIn.create('dispute-desk-prod/webhook/demo-market', JSON.stringify({ current: OLD }));
    const h = harness(`${NEW}\n`, { WebhookSecretArndemomarket: arn, WebhookSecretArnshopify: 'arn:other' });
    expect(await runOps(['secrets', 'put', 'demo-market', '--stage', 'prod', '--from-stdin'], h.deps)).toBe(0);
    expect(h.stacksAsked).toEqual(['DisputeDesk-prod-Stateless']);
    expect(JSON.parse(secretsManager.standIn.current(arn) as string)).toEqual({ current: NEW, previous: OLD });
    const printed = [...h.out, ...h.err].join('\n');
    expect(printed).toMatch(/demo-market: new current value written to arn:aws:secretsmanager:.*\(version [0-9a-f-]+\)/);
    expect(printed).toMatch(/kept as previous/);
    for (const value of [NEW, OLD]) expect(printed).not.toContain(value.slice(8, 20));

    // The next rotation drops the oldest, and says so; the same value again writes nothing.
    const next = harness(NEWER, { WebhookSecretArndemomarket: arn });
    expect(await runOps(['secrets', 'put', 'demo-market', '--stage', 'prod', '--from-stdin'], next.deps)).toBe(0);
    expect(JSON.parse(secretsManager.standIn.current(arn) as string)).toEqual({ current: NEWER, previous: NEW });
    expect(next.out.join('\n')).toMatch(/older previous value was dropped/);
    const versions = secretsManager.standIn.versions(arn);
    const same = harness(NEWER, { WebhookSecretArndemomarket: arn });
    expect(await runOps(['secrets', 'put', 'demo-market', '--stage', 'prod', '--from-stdin'], same.deps)).toBe(0);
    expect(same.out.join('\n')).toMatch(/already has this value as current; nothing written/);
    expect(secretsManager.standIn.versions(arn)).toBe(versions);
  });

  it('--secret-id skips the stack lookup; a secret with no value yet gets current only', async () => {
    const arn = secretsManager.standIn.create('custom/webhook/shopify');
    const h = harness(NEW);
    expect(await runOps(['secrets', 'put', 'shopify', '--secret-id', arn, '--from-stdin'], h.deps)).toBe(0);
    expect(h.stacksAsked).toEqual([]);
    expect(JSON.parse(secretsManager.standIn.current(arn) as string)).toEqual({ current: NEW });
    expect(h.out.join('\n')).toMatch(/no value before; nothing kept as previous/);
  });

  it('a marketplace the stage has no secret for is named with the outputs there are; nothing written', async () => {
    const before = secretsManager.standIn.requests.length;
    const h = harness(NEW, { WebhookSecretArndemomarket: 'arn:x', UserPoolId: 'p' });
    expect(await runOps(['secrets', 'put', 'etsy', '--stage', 'dev', '--from-stdin'], h.deps)).toBe(1);
    expect(h.err.join('\n')).toMatch(
      /Stack DisputeDesk-dev-Stateless has no output WebhookSecretArnetsy \(it has: UserPoolId, WebhookSecretArndemomarket\)/,
    );
    expect(secretsManager.standIn.requests.length).toBe(before);
  });

  it('a weak secret is refused with nothing read from or written to Secrets Manager', async () => {
    const arn = secretsManager.standIn.create('weak/webhook/demo-market', JSON.stringify({ current: OLD }));
    const before = secretsManager.standIn.requests.length;
    const h = harness('too-short-secret');
    expect(await runOps(['secrets', 'put', 'demo-market', '--secret-id', arn, '--from-stdin'], h.deps)).toBe(2);
    expect(secretsManager.standIn.requests.length).toBe(before);
    expect(JSON.parse(secretsManager.standIn.current(arn) as string)).toEqual({ current: OLD });
  });

  it('npm run ops -- secrets put --from-stdin, as an operator pipes it (AWS_ENDPOINT_URL_SECRETS_MANAGER at the stand-in)', async () => {
    const arn = secretsManager.standIn.create('cli/webhook/demo-market', JSON.stringify({ current: OLD }));
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.standIn.endpoint,
      // Anything not pointed at a stand-in fails at once instead of reaching AWS.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    };
    // Asynchronous: the stand-in answers from this process, which spawnSync would block.
    const run = (input: string, ...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['ops/ops.ts', 'secrets', 'put', 'demo-market', ...args], { env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString('utf8');
        });
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString('utf8');
        });
        child.on('close', (status) => resolve({ status, stdout, stderr }));
        child.stdin.end(input);
      });
    const ok = await run(`${NEW}\n`, '--secret-id', arn, '--from-stdin');
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(JSON.parse(secretsManager.standIn.current(arn) as string)).toEqual({ current: NEW, previous: OLD });
    expect(ok.stdout).not.toContain(NEW.slice(8, 20));
    // No --from-stdin and no terminal: refused, nothing read.
    const noTty = await run(NEWER, '--secret-id', arn);
    expect(noTty.status).toBe(2);
    expect(noTty.stderr).toMatch(/No terminal to type the secret at: pipe it and pass --from-stdin/);
    expect(JSON.parse(secretsManager.standIn.current(arn) as string)).toEqual({ current: NEW, previous: OLD });
  });
});
