import { spawnSync } from 'node:child_process';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpsDeps, runOps } from '#ops/ops.ts';
import { type CognitoLocal, startCognitoLocal } from '#test/support/cognito-local.ts';

/**
 * `npm run ops -- staff add` against cognito-local (a Cognito user-pool emulator): the
 * account exists with its immutable custom:sellerId and its group, and bad input is refused
 * before any call. The pool is created the way the stateful stack declares it (sign-in by
 * e-mail, custom:sellerId immutable, the three groups).
 */

let cognitoLocal: CognitoLocal;
let client: CognitoIdentityProviderClient;
let userPoolId: string;

beforeAll(async () => {
  cognitoLocal = await startCognitoLocal();
  client = new CognitoIdentityProviderClient({
    endpoint: cognitoLocal.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const pool = await client.send(
    new CreateUserPoolCommand({
      PoolName: 'dispute-desk-test-staff',
      UsernameAttributes: ['email'],
      Schema: [
        { Name: 'sellerId', AttributeDataType: 'String', Mutable: false, StringAttributeConstraints: { MinLength: '1', MaxLength: '128' } },
      ],
    }),
  );
  userPoolId = pool.UserPool?.Id as string;
  for (const role of ['agent', 'supervisor', 'manager'])
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: role }));
});

afterAll(async () => {
  client?.destroy();
  await cognitoLocal?.stop();
});

/** Deps whose Cognito client counts calls; CloudFormation answers from `outputs` (no emulator exists for it). */
function harness(outputs: Record<string, string> = {}) {
  const calls: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const deps: OpsDeps = {
    cloudFormation: () =>
      ({
        send: async (command: unknown) => {
          calls.push('DescribeStacks');
          if (!(command instanceof DescribeStacksCommand)) throw new Error('unexpected command');
          return {
            Stacks: [
              {
                StackName: command.input.StackName,
                Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
              },
            ],
          };
        },
      }) as never,
    secretsManager: () => {
      throw new Error('no Secrets Manager in these tests');
    },
    cognito: () =>
      ({
        send: (command: Parameters<CognitoIdentityProviderClient['send']>[0]) => {
          calls.push(command.constructor.name);
          return client.send(command as never);
        },
      }) as never,
    readSecret: async () => {
      throw new Error('no secret in these tests');
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { deps, calls, out, err };
}

const attributesOf = async (email: string) =>
  Object.fromEntries(
    ((await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }))).UserAttributes ?? []).map((a) => [
      a.Name,
      a.Value,
    ]),
  );
/** By the user's username: cognito-local matches group members by the exact name asked with (Cognito also takes the e-mail alias). */
async function groupsOf(email: string) {
  const { Username } = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }));
  return (
    (await client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: Username as string }))).Groups ?? []
  ).map((g) => g.GroupName);
}

describe('staff add', () => {
  it('creates the account with custom:sellerId and the group, prints what it did and no temporary password', async () => {
    const h = harness();
    const code = await runOps(
      ['staff', 'add', '--seller', 'seller-acme', '--role', 'supervisor', '--email', 'Sam@Acme.example', '--user-pool-id', userPoolId],
      h.deps,
    );
    expect(h.err).toEqual([]);
    expect(code).toBe(0);
    expect(h.calls).toEqual(['AdminCreateUserCommand', 'AdminAddUserToGroupCommand']);
    const attributes = await attributesOf('sam@acme.example');
    expect(attributes).toMatchObject({ email: 'sam@acme.example', email_verified: 'true', 'custom:sellerId': 'seller-acme' });
    expect(await groupsOf('sam@acme.example')).toEqual(['supervisor']);
    expect(h.out.join('\n')).toMatch(
      /^created sam@acme\.example \(username [0-9a-f-]+\) as supervisor of seller seller-acme in user pool .*e-mailed the invitation/,
    );
    // cognito-local "delivers" the invitation to its log; the temporary password is there, and only there.
    const temporaryPassword = /Code:\s+(\S+)/.exec(cognitoLocal.log())?.[1];
    expect(temporaryPassword).toBeDefined();
    expect(h.out.join('\n')).not.toContain(temporaryPassword);
  });

  it('the seller id cannot be changed afterwards (the pool declares it immutable)', async () => {
    await runOps(
      ['staff', 'add', '--seller', 'seller-acme', '--role', 'agent', '--email', 'imm@acme.example', '--user-pool-id', userPoolId],
      harness().deps,
    );
    await expect(
      client.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: userPoolId,
          Username: 'imm@acme.example',
          UserAttributes: [{ Name: 'custom:sellerId', Value: 'seller-other' }],
        }),
      ),
    ).rejects.toThrow(/immutable/);
  });

  it('running it again changes nothing; another seller or another role for the same address is refused, never changed', async () => {
    const args = ['staff', 'add', '--seller', 'seller-b', '--role', 'agent', '--email', 'ann@b.example', '--user-pool-id', userPoolId];
    expect(await runOps(args, harness().deps)).toBe(0);
    const again = harness();
    expect(await runOps(args, again.deps)).toBe(0);
    expect(again.out.join('\n')).toMatch(/^already there: ann@b\.example .*nothing changed/);

    const otherSeller = harness();
    expect(
      await runOps(
        ['staff', 'add', '--seller', 'seller-c', '--role', 'agent', '--email', 'ann@b.example', '--user-pool-id', userPoolId],
        otherSeller.deps,
      ),
    ).toBe(1);
    expect(otherSeller.err.join('\n')).toMatch(/already has an account for seller seller-b; the seller of an account cannot change/);

    const otherRole = harness();
    expect(
      await runOps(
        ['staff', 'add', '--seller', 'seller-b', '--role', 'manager', '--email', 'ann@b.example', '--user-pool-id', userPoolId],
        otherRole.deps,
      ),
    ).toBe(1);
    expect(otherRole.err.join('\n')).toMatch(/already has the role agent/);
    expect(await groupsOf('ann@b.example')).toEqual(['agent']);
    expect((await attributesOf('ann@b.example'))['custom:sellerId']).toBe('seller-b');
  });

  it('an account an earlier run created but never added to its group is completed by running the command again', async () => {
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: 'half@f.example',
        UserAttributes: [
          { Name: 'email', Value: 'half@f.example' },
          { Name: 'custom:sellerId', Value: 'seller-f' },
        ],
        MessageAction: 'SUPPRESS',
      }),
    );
    const h = harness();
    expect(
      await runOps(
        ['staff', 'add', '--seller', 'seller-f', '--role', 'agent', '--email', 'half@f.example', '--user-pool-id', userPoolId],
        h.deps,
      ),
    ).toBe(0);
    expect(h.out.join('\n')).toMatch(/^existing account completed: added half@f\.example/);
    expect(await groupsOf('half@f.example')).toEqual(['agent']);
  });

  it('finds the user pool from the stage stack output UserPoolId', async () => {
    const h = harness({ UserPoolId: userPoolId, ApiUrl: 'https://x' });
    expect(
      await runOps(['staff', 'add', '--seller', 'seller-d', '--role', 'manager', '--email', 'max@d.example', '--stage', 'prod'], h.deps),
    ).toBe(0);
    expect(h.calls[0]).toBe('DescribeStacks');
    expect(await groupsOf('max@d.example')).toEqual(['manager']);

    const missing = harness({ ApiUrl: 'https://x' });
    expect(
      await runOps(
        ['staff', 'add', '--seller', 'seller-d', '--role', 'manager', '--email', 'max2@d.example', '--stage', 'dev'],
        missing.deps,
      ),
    ).toBe(1);
    expect(missing.err.join('\n')).toMatch(/Stack DisputeDesk-dev-Stateless has no output UserPoolId \(it has: ApiUrl\)/);
  });

  it.each([
    [['--seller', 'seller a', '--role', 'agent', '--email', 'a@b.example'], /--seller 'seller a' is not a seller id/],
    [['--seller', 'x'.repeat(129), '--role', 'agent', '--email', 'a@b.example'], /is not a seller id/],
    [['--role', 'agent', '--email', 'a@b.example'], /--seller <seller id> is required/],
    [
      ['--seller', 's1', '--role', 'admin', '--email', 'a@b.example'],
      /--role 'admin' is not a staff role: one of agent, supervisor, manager/,
    ],
    [['--seller', 's1', '--role', 'agent', '--email', 'not-an-address'], /--email 'not-an-address' is not an e-mail address/],
    [['--seller', 's1', '--role', 'agent', '--email', 'a@b.example'], /No stage given: use --stage dev or --stage prod/],
    [['--seller', 's1', '--role', 'agent', '--email', 'a@b.example', '--stage', 'staging'], /Unknown stage 'staging'/],
    [['--seller', 's1', '--role', 'agent', '--email', 'a@b.example', '--stage', 'dev', '--password', 'x'], /Unknown option '--password'/],
  ])('refuses %j before any call, exit 2', async (args, message) => {
    const h = harness({ UserPoolId: userPoolId });
    expect(await runOps(['staff', 'add', ...args], h.deps)).toBe(2);
    expect(h.err.join('\n')).toMatch(message);
    expect(h.calls).toEqual([]);
  });

  it('npm run ops -- staff add, as an operator runs it (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER at cognito-local)', () => {
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoLocal.endpoint,
      // Anything not pointed at a stand-in fails at once instead of reaching AWS.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    };
    const run = (...args: string[]) => spawnSync(process.execPath, ['ops/ops.ts', ...args], { env, encoding: 'utf8', timeout: 30_000 });
    const ok = run('staff', 'add', '--seller', 'seller-e', '--role', 'agent', '--email', 'eve@e.example', '--user-pool-id', userPoolId);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^created eve@e\.example/);
    const bad = run('staff', 'add', '--seller', 'seller-e', '--role', 'owner', '--email', 'eve2@e.example', '--user-pool-id', userPoolId);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--role 'owner' is not a staff role/);
  });

  it('leaves no cognito-local process behind', async () => {
    const probe = await startCognitoLocal();
    await probe.stop();
    expect(() => process.kill(probe.pid, 0)).toThrow(/ESRCH/);
  });
});
