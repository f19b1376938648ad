import { spawnSync } from 'node:child_process';
import type { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import {
  type BootstrapFacts,
  bootstrapFacts,
  bootstrapProblem,
  type DeployDeps,
  parseDeployArgs,
  runDeploy,
  shellQuote,
} from '#ops/deploy.ts';

const PROD = [
  '-c',
  'alarmEmail=oncall@example.com',
  '-c',
  'paymentProviderUrl=https://refunds.example.com/v1',
  '-c',
  'shopifyShops={"acme.myshopify.com":"seller-acme"}',
  '-c',
  'refundRoutes={"default":"http"}',
];
const READY: BootstrapFacts = {
  account: '123456789012',
  region: 'eu-west-1',
  qualifier: 'hnb659fds',
  version: 30,
  toolkitStatus: 'UPDATE_COMPLETE',
};

/** Deps that record what would run; no AWS client exists in these tests. */
function harness(options: { facts?: BootstrapFacts | Error; exitCodes?: number[]; cdkJsonContext?: Record<string, unknown> } = {}) {
  const events: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const exitCodes = [...(options.exitCodes ?? [])];
  const deps: DeployDeps = {
    cdkJsonContext: options.cdkJsonContext ?? { stage: 'dev' },
    bootstrapFacts: async () => {
      events.push('bootstrap check');
      if (options.facts instanceof Error) throw options.facts;
      return options.facts ?? READY;
    },
    run: (command) => {
      events.push(shellQuote(command));
      return exitCodes.shift() ?? 0;
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { deps, events, out, err };
}

describe('npm run deploy: arguments, refused before any AWS call', () => {
  it.each([
    [[], /No stage given: use --stage dev or --stage prod/],
    [['--stage', 'staging'], /Unknown stage 'staging'/],
    [['--stage', 'dev', '-c', 'stage=prod'], /-c stage=… is not taken here/],
    [['--stage', 'dev', '-c', 'novalue'], /-c novalue: expected -c key=value/],
    [['--stage', 'dev', '--require-approval', 'maybe'], /--require-approval 'maybe': one of never, any-change, broadening/],
    [['--stage', 'dev', '--force'], /Unknown option '--force'/],
    [
      ['--stage', 'dev', '-c', 'paymentProviderUrl=http://insecure.example.com'],
      /paymentProviderUrl 'http:\/\/insecure\.example\.com' is not an https URL/,
    ],
  ])('%j exits 2 naming the problem', async (argv, message) => {
    const h = harness();
    expect(await runDeploy(argv, h.deps)).toBe(2);
    expect(h.err.join('\n')).toMatch(message);
    expect(h.events).toEqual([]);
  });

  it('prod without its settings names each missing one and how to give it', async () => {
    const h = harness();
    expect(await runDeploy(['--stage', 'prod', '--dry-run'], h.deps)).toBe(2);
    const message = h.err.join('\n');
    expect(message).toMatch(/alarmEmail is required for stage prod: -c alarmEmail=/);
    expect(message).toMatch(/refundRoutes is required for stage prod: -c refundRoutes=/);
    expect(message).toMatch(/shopifyShops is required for stage prod: -c shopifyShops=/);
    expect(h.events).toEqual([]);
  });

  it.each(['alarmEmail', 'paymentProviderUrl', 'shopifyShops', 'refundRoutes'])('prod missing only %s names that one', async (missing) => {
    const argv = PROD.filter((_, i) => !(PROD[i]?.startsWith(`${missing}=`) || PROD[i + 1]?.startsWith(`${missing}=`)));
    const h = harness();
    expect(await runDeploy(['--stage', 'prod', ...argv], h.deps)).toBe(2);
    expect(h.err.join('\n').match(/is required for stage prod/g)).toHaveLength(1);
    expect(h.err.join('\n')).toMatch(new RegExp(`${missing} is required for stage prod`));
  });

  it('a setting in cdk.json context counts, as it does for the CDK CLI (-c overrides it)', () => {
    const cdkJsonContext = {
      alarmEmail: 'oncall@example.com',
      paymentProviderUrl: 'https://refunds.example.com/v1',
      shopifyShops: { 'a.myshopify.com': 'seller-a' },
      refundRoutes: { default: 'http' },
    };
    expect(parseDeployArgs(['--stage', 'prod'], cdkJsonContext).stage).toBe('prod');
    expect(() => parseDeployArgs(['--stage', 'prod', '-c', 'alarmEmail=nobody'], cdkJsonContext)).toThrow(
      /alarmEmail 'nobody' is not an email address/,
    );
  });

  it('dev needs no settings; other -c pairs pass through in order', () => {
    expect(parseDeployArgs(['--stage', 'dev', '-c', 'foo=a=b'])).toEqual({ stage: 'dev', context: [['foo', 'a=b']], dryRun: false });
  });
});

describe('npm run deploy: the sequence', () => {
  it('--dry-run prints the three steps and their commands, and calls nothing', async () => {
    const h = harness();
    expect(await runDeploy(['--stage', 'prod', ...PROD, '--dry-run'], h.deps)).toBe(0);
    expect(h.events).toEqual([]);
    expect(h.out.join('\n')).toBe(
      [
        'dry run for stage prod: settings checked; nothing is called or deployed',
        "==> [1/3] check the bootstrap of the credentials' account and region: SSM parameter /cdk-bootstrap/hnb659fds/version >= 6, stack CDKToolkit",
        '==> [2/3] synthesize prod into cdk.out/ with the cdk-nag checks',
        `    $ npx cdk synth --quiet --output cdk.out -c stage=prod -c alarmEmail=oncall@example.com -c paymentProviderUrl=https://refunds.example.com/v1 -c 'shopifyShops={"acme.myshopify.com":"seller-acme"}' -c 'refundRoutes={"default":"http"}'`,
        '==> [3/3] deploy every stack of that assembly (DisputeDesk-prod-Stateful, then DisputeDesk-prod-Stateless)',
        '    $ npx cdk deploy --all --app cdk.out',
      ].join('\n'),
    );
  });

  it('a real run checks the bootstrap, synthesizes (cdk-nag), then deploys that assembly, printing each step', async () => {
    const h = harness();
    expect(await runDeploy(['--stage', 'dev', '--require-approval', 'never'], h.deps)).toBe(0);
    expect(h.events).toEqual([
      'bootstrap check',
      'npx cdk synth --quiet --output cdk.out -c stage=dev',
      'npx cdk deploy --all --app cdk.out --require-approval never',
    ]);
    expect(h.out.filter((l) => l.startsWith('==>'))).toHaveLength(3);
    expect(h.out).toContain('    bootstrapped: account 123456789012, region eu-west-1, version 30');
    expect(h.out.at(-1)).toBe('deployed stage dev');
  });

  it('a failed synth (e.g. a cdk-nag finding) stops before the deploy', async () => {
    const h = harness({ exitCodes: [1] });
    expect(await runDeploy(['--stage', 'dev'], h.deps)).toBe(1);
    expect(h.events).toEqual(['bootstrap check', 'npx cdk synth --quiet --output cdk.out -c stage=dev']);
    expect(h.err.join('\n')).toMatch(/stopped: step 2 \(synthesize dev into cdk\.out\/ with the cdk-nag checks\) exited with 1/);
  });

  it('an account that is not bootstrapped stops at step 1 with the exact bootstrap command; nothing is synthesized or deployed', async () => {
    const h = harness({ facts: { ...READY, version: undefined, toolkitStatus: undefined } });
    expect(await runDeploy(['--stage', 'dev'], h.deps)).toBe(1);
    expect(h.events).toEqual(['bootstrap check']);
    expect(h.err.join('\n')).toMatch(/not bootstrapped for CDK .* Run once: npx cdk bootstrap aws:\/\/123456789012\/eu-west-1$/);
  });

  it('no usable credentials or region stops at step 1, saying why', async () => {
    const h = harness({ facts: new Error('Could not load credentials from any providers') });
    expect(await runDeploy(['--stage', 'dev'], h.deps)).toBe(1);
    expect(h.err.join('\n')).toMatch(/could not check the bootstrap: Error: Could not load credentials/);
  });
});

describe('bootstrap check', () => {
  const fix = 'npx cdk bootstrap aws://123456789012/eu-west-1';
  it.each([
    [READY, undefined],
    [{ ...READY, toolkitStatus: undefined }, undefined],
    [
      { ...READY, version: undefined, toolkitStatus: undefined },
      /no SSM parameter \/cdk-bootstrap\/hnb659fds\/version, no CDKToolkit stack/,
    ],
    [{ ...READY, version: undefined }, /no SSM parameter/],
    [{ ...READY, version: 5 }, /bootstrapped at version 5; these templates need 6 or later/],
    [{ ...READY, toolkitStatus: 'ROLLBACK_COMPLETE' }, /CDKToolkit .* is ROLLBACK_COMPLETE/],
    [{ ...READY, toolkitStatus: 'UPDATE_ROLLBACK_FAILED' }, /is UPDATE_ROLLBACK_FAILED/],
    [{ ...READY, toolkitStatus: 'UPDATE_IN_PROGRESS' }, /is UPDATE_IN_PROGRESS/],
  ] as const)('%j', (facts, expected) => {
    const problem = bootstrapProblem(facts as BootstrapFacts);
    if (expected === undefined) expect(problem).toBeUndefined();
    else {
      expect(problem).toMatch(expected);
      expect(problem).toContain(fix);
    }
  });

  it('reads account, region, the version parameter and the toolkit stack; absent ones are undefined', async () => {
    const asked: string[] = [];
    const notFound = (name: string, message: string) => Object.assign(new Error(message), { name });
    const facts = await bootstrapFacts({
      sts: {
        config: { region: async () => 'eu-west-1' },
        send: (async (command: unknown) => {
          asked.push(command instanceof GetCallerIdentityCommand ? 'GetCallerIdentity' : 'other');
          return { Account: '123456789012' };
        }) as never,
      },
      ssm: {
        send: (async (command: GetParameterCommand) => {
          asked.push(`GetParameter ${command.input.Name}`);
          throw notFound('ParameterNotFound', '');
        }) as never,
      },
      cloudFormation: {
        send: (async (command: DescribeStacksCommand) => {
          asked.push(`DescribeStacks ${command.input.StackName}`);
          throw notFound('ValidationError', 'Stack with id CDKToolkit does not exist');
        }) as never,
      },
    });
    expect(asked).toEqual(['GetCallerIdentity', 'GetParameter /cdk-bootstrap/hnb659fds/version', 'DescribeStacks CDKToolkit']);
    expect(facts).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
      qualifier: 'hnb659fds',
      version: undefined,
      toolkitStatus: undefined,
    });
  });
});

describe('npm run deploy as an operator runs it, offline', () => {
  // A dead endpoint and no credentials: any AWS call would fail here, never reach AWS.
  const env = { PATH: process.env.PATH, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_EC2_METADATA_DISABLED: 'true' };
  const deploy = (...args: string[]) => spawnSync(process.execPath, ['ops/deploy.ts', ...args], { env, encoding: 'utf8', timeout: 30_000 });

  it('prod without settings: exit 2, each named; with them, --dry-run prints the commands', () => {
    const refused = deploy('--stage', 'prod');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/alarmEmail is required[\s\S]*refundRoutes is required[\s\S]*shopifyShops is required/);
    const dry = deploy('--stage', 'prod', ...PROD, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/\$ npx cdk deploy --all --app cdk\.out\n$/);
  });
});
