import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DefaultStackSynthesizer } from 'aws-cdk-lib';
import { OPTIONAL_SETTINGS, REQUIRED_IN_PROD, StageConfigError, type StageSettings, stageConfig } from '#infra/stage-config.ts';
import { PreconditionError, UsageError } from './errors.ts';
import { parseStage, type Stage } from './stack-outputs.ts';

/**
 * `npm run deploy -- --stage dev|prod [-c key=value …] [--require-approval …] [--dry-run]`
 *
 * Steps (each printed before it runs; the first failure stops the rest):
 * 0. Check the arguments and the stage's settings (infra/stage-config.ts: prod needs
 *    alarmEmail, paymentProviderUrl and shopifyShops), with no AWS call: a refusal names the
 *    setting and exits 2.
 * 1. Check the account and region of the credentials are bootstrapped: the bootstrap version
 *    parameter (what every synthesized template checks) and the CDKToolkit stack. If not,
 *    print the exact `npx cdk bootstrap aws://<account>/<region>` and exit 1.
 * 2. `cdk synth` for the stage into cdk.out: cdk-nag runs as a validation plugin, so a
 *    finding fails here, before anything is deployed.
 * 3. `cdk deploy --all --app cdk.out`: deploys exactly the assembly step 2 checked (stateful
 *    stack first), without synthesizing again.
 *
 * `--dry-run` runs step 0 and prints steps 1-3 with their commands; it makes no AWS call.
 */

/** The oldest bootstrap stack the templates accept (DefaultStackSynthesizer's minimum in aws-cdk-lib 2.x). */
export const MIN_BOOTSTRAP_VERSION = 6;
export const TOOLKIT_STACK_NAME = 'CDKToolkit';
const ASSEMBLY_DIR = 'cdk.out';
const APPROVAL_LEVELS = ['never', 'any-change', 'broadening'] as const;

export const DEPLOY_USAGE = `usage: npm run deploy -- --stage dev|prod [-c key=value …] [--require-approval never|any-change|broadening] [--dry-run]
  prod requires: ${Object.values(REQUIRED_IN_PROD).join('\n                 ')}`;

export type DeployArgs = {
  readonly stage: Stage;
  /** `-c` pairs in the order given, passed to cdk synth as they are. */
  readonly context: readonly (readonly [string, string])[];
  readonly requireApproval?: (typeof APPROVAL_LEVELS)[number];
  readonly dryRun: boolean;
};

/** Parses and checks everything before any AWS call; `cdkJsonContext` is cdk.json's context (the CLI merges it under -c). */
export function parseDeployArgs(argv: readonly string[], cdkJsonContext: Readonly<Record<string, unknown>> = {}): DeployArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        stage: { type: 'string' },
        context: { type: 'string', short: 'c', multiple: true },
        'require-approval': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const stage = parseStage(values.stage);
  const context = (values.context ?? []).map((pair): readonly [string, string] => {
    const at = pair.indexOf('=');
    const key = at < 0 ? pair : pair.slice(0, at);
    if (at < 1 || !/^[A-Za-z0-9@:_./-]+$/.test(key)) throw new UsageError(`-c ${pair}: expected -c key=value`);
    if (key === 'stage') throw new UsageError('-c stage=… is not taken here: the stage is --stage dev|prod');
    return [key, pair.slice(at + 1)];
  });
  const approval = values['require-approval'];
  if (approval !== undefined && !(APPROVAL_LEVELS as readonly string[]).includes(approval)) {
    throw new UsageError(`--require-approval '${approval}': one of ${APPROVAL_LEVELS.join(', ')}`);
  }
  // The same check the app runs at synth (infra/stage-config.ts), on the same values: -c over cdk.json.
  const settings: Record<string, string> = {};
  const keys = [...Object.keys(REQUIRED_IN_PROD), ...OPTIONAL_SETTINGS] as string[];
  for (const key of keys) {
    const fromJson = cdkJsonContext[key];
    if (fromJson !== undefined) settings[key] = typeof fromJson === 'string' ? fromJson : JSON.stringify(fromJson);
  }
  for (const [key, value] of context) if (keys.includes(key)) settings[key] = value;
  try {
    stageConfig(stage, settings as StageSettings);
  } catch (error) {
    if (error instanceof StageConfigError) throw new UsageError(error.message);
    throw error;
  }
  return {
    stage,
    context,
    ...(approval === undefined ? {} : { requireApproval: approval as DeployArgs['requireApproval'] & string }),
    dryRun: values['dry-run'] === true,
  };
}

export type Step = { readonly title: string; readonly command?: readonly string[] };

/** Steps 1-3 for these arguments. */
export function deployPlan(args: DeployArgs, qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER): readonly Step[] {
  const context = [['stage', args.stage] as const, ...args.context].flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  return [
    {
      title: `check the bootstrap of the credentials' account and region: SSM parameter /cdk-bootstrap/${qualifier}/version >= ${MIN_BOOTSTRAP_VERSION}, stack ${TOOLKIT_STACK_NAME}`,
    },
    {
      title: `synthesize ${args.stage} into ${ASSEMBLY_DIR}/ with the cdk-nag checks`,
      command: ['npx', 'cdk', 'synth', '--quiet', '--output', ASSEMBLY_DIR, ...context],
    },
    {
      title: `deploy every stack of that assembly (DisputeDesk-${args.stage}-Stateful, then DisputeDesk-${args.stage}-Stateless)`,
      command: [
        'npx',
        'cdk',
        'deploy',
        '--all',
        '--app',
        ASSEMBLY_DIR,
        ...(args.requireApproval === undefined ? [] : ['--require-approval', args.requireApproval]),
      ],
    },
  ];
}

/** A command as an operator would type it into a POSIX shell. */
export function shellQuote(command: readonly string[]): string {
  return command.map((arg) => (/^[A-Za-z0-9@%+=:,./_-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export type BootstrapFacts = {
  readonly account: string;
  readonly region: string;
  readonly qualifier: string;
  /** The bootstrap version parameter's value; undefined when there is none. */
  readonly version: number | undefined;
  /** The CDKToolkit stack's status; undefined when there is no such stack. */
  readonly toolkitStatus: string | undefined;
};

/** What is wrong with the bootstrap, with the command that fixes it; undefined when deployable. */
export function bootstrapProblem(facts: BootstrapFacts): string | undefined {
  const fix = `npx cdk bootstrap aws://${facts.account}/${facts.region}`;
  const where = `account ${facts.account}, region ${facts.region}`;
  if (
    facts.toolkitStatus !== undefined &&
    /(FAILED|ROLLBACK_COMPLETE|DELETE_|REVIEW_IN_PROGRESS)$|_IN_PROGRESS$/.test(facts.toolkitStatus)
  ) {
    return `The bootstrap stack ${TOOLKIT_STACK_NAME} in ${where} is ${facts.toolkitStatus}: wait for or repair it, then run: ${fix}`;
  }
  if (facts.version === undefined) {
    return `${where} is not bootstrapped for CDK (no SSM parameter /cdk-bootstrap/${facts.qualifier}/version${facts.toolkitStatus === undefined ? `, no ${TOOLKIT_STACK_NAME} stack` : ''}). Run once: ${fix}`;
  }
  if (facts.version < MIN_BOOTSTRAP_VERSION) {
    return `${where} is bootstrapped at version ${facts.version}; these templates need ${MIN_BOOTSTRAP_VERSION} or later. Run: ${fix}`;
  }
  return undefined;
}

export type BootstrapClients = {
  readonly sts: Pick<STSClient, 'send'> & { readonly config: { region: () => Promise<string> } };
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
};

/** Reads the facts from AWS: caller identity, the version parameter, the toolkit stack. */
export async function bootstrapFacts(
  clients: BootstrapClients,
  qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER,
): Promise<BootstrapFacts> {
  let region: string;
  try {
    region = await clients.sts.config.region();
  } catch (error) {
    throw new PreconditionError('No AWS region: set AWS_REGION (or a profile with a region) for the account to deploy to', {
      cause: error,
    });
  }
  const { Account: account } = await clients.sts.send(new GetCallerIdentityCommand({}));
  if (account === undefined) throw new PreconditionError('STS did not say which account these credentials belong to');
  let version: number | undefined;
  try {
    const out = await clients.ssm.send(new GetParameterCommand({ Name: `/cdk-bootstrap/${qualifier}/version` }));
    const value = Number(out.Parameter?.Value);
    version = Number.isInteger(value) ? value : undefined;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ParameterNotFound')) throw error;
  }
  let toolkitStatus: string | undefined;
  try {
    const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: TOOLKIT_STACK_NAME }));
    toolkitStatus = out.Stacks?.[0]?.StackStatus;
  } catch (error) {
    if (!(error instanceof Error && /does not exist/.test(error.message))) throw error;
  }
  return { account, region, qualifier, version, toolkitStatus };
}

export type DeployDeps = {
  readonly cdkJsonContext: Readonly<Record<string, unknown>>;
  /** Step 1; only called on a real run. */
  readonly bootstrapFacts: () => Promise<BootstrapFacts>;
  /** Runs a command with the terminal attached; returns its exit code. */
  readonly run: (command: readonly string[]) => number;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
};

export async function runDeploy(argv: readonly string[], deps: DeployDeps): Promise<number> {
  let args: DeployArgs;
  try {
    args = parseDeployArgs(argv, deps.cdkJsonContext);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.err(`${error.message}\n${DEPLOY_USAGE}`);
    return 2;
  }
  const qualifierFromJson = deps.cdkJsonContext['@aws-cdk/core:bootstrapQualifier'];
  const qualifier = typeof qualifierFromJson === 'string' ? qualifierFromJson : DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const steps = deployPlan(args, qualifier);
  const heading = (index: number, step: Step) =>
    `==> [${index + 1}/${steps.length}] ${step.title}${step.command === undefined ? '' : `\n    $ ${shellQuote(step.command)}`}`;
  if (args.dryRun) {
    deps.out(`dry run for stage ${args.stage}: settings checked; nothing is called or deployed`);
    for (const [index, step] of steps.entries()) deps.out(heading(index, step));
    return 0;
  }
  for (const [index, step] of steps.entries()) {
    deps.out(heading(index, step));
    if (step.command === undefined) {
      let problem: string | undefined;
      try {
        const facts = await deps.bootstrapFacts();
        problem = bootstrapProblem(facts);
        if (problem === undefined) deps.out(`    bootstrapped: account ${facts.account}, region ${facts.region}, version ${facts.version}`);
      } catch (error) {
        problem =
          error instanceof PreconditionError
            ? error.message
            : `could not check the bootstrap: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      }
      if (problem !== undefined) {
        deps.err(`stopped: ${problem}`);
        return 1;
      }
      continue;
    }
    const code = deps.run(step.command);
    if (code !== 0) {
      deps.err(`stopped: step ${index + 1} (${step.title}) exited with ${code}`);
      return code === 2 ? 1 : code;
    }
  }
  deps.out(`deployed stage ${args.stage}`);
  return 0;
}

async function main(): Promise<void> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
  const clients = { sts: new STSClient({}), ssm: new SSMClient({}), cloudFormation: new CloudFormationClient({}) };
  try {
    process.exitCode = await runDeploy(process.argv.slice(2), {
      cdkJsonContext: cdkJson.context ?? {},
      bootstrapFacts: () => bootstrapFacts(clients),
      run: (command) => {
        const [file, ...rest] = command;
        const result = spawnSync(file as string, rest, { stdio: 'inherit' });
        return result.status ?? 1;
      },
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

if (import.meta.main) await main();
