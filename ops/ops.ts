import { parseArgs } from 'node:util';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { PreconditionError, UsageError } from './errors.ts';
import { readSecretInput } from './secret-input.ts';
import { addStaff, checkStaffInput } from './staff.ts';
import {
  parseStage,
  type StackOutputsClient,
  stackOutput,
  statelessStackName,
  userPoolIdOutput,
  webhookSecretOutput,
} from './stack-outputs.ts';
import { checkMarketplace, checkNewSecret, putWebhookSecret } from './webhook-secret.ts';

/**
 * `npm run ops -- <command>`: operator commands against a deployed stage.
 *
 *   secrets put <marketplace> --stage dev|prod [--secret-id <arn>] [--from-stdin]
 *   staff add --seller <id> --role agent|supervisor|manager --email <address> --stage dev|prod [--user-pool-id <id>]
 *
 * Ids come from the stage's stateless stack outputs (CloudFormation DescribeStacks) unless
 * given. Credentials and region: the default AWS chain. Every argument is checked before the
 * first AWS call; a refusal exits 2, a failed call 1.
 */
export const USAGE = `usage:
  npm run ops -- secrets put <marketplace> --stage dev|prod [--secret-id <arn>] [--from-stdin]
      the secret is read from stdin (--from-stdin) or typed at a hidden prompt, never from an argument
  npm run ops -- staff add --seller <seller id> --role agent|supervisor|manager --email <address> --stage dev|prod [--user-pool-id <id>]
      Cognito e-mails the invitation with a temporary password to <address>; this command never sees it`;

/** What the commands talk to; the CLI builds real clients, tests point them at local stand-ins. */
export type OpsDeps = {
  readonly cloudFormation: () => StackOutputsClient;
  readonly secretsManager: () => Pick<SecretsManagerClient, 'send'>;
  readonly cognito: () => Pick<CognitoIdentityProviderClient, 'send'>;
  /** The new secret: stdin when `fromStdin`, else a hidden prompt (refused when there is no terminal). */
  readonly readSecret: (fromStdin: boolean) => Promise<string>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
};

export async function runOps(argv: readonly string[], deps: OpsDeps): Promise<number> {
  try {
    const [group, command, ...rest] = argv;
    if (group === 'secrets' && command === 'put') await secretsPut(rest, deps);
    else if (group === 'staff' && command === 'add') await staffAdd(rest, deps);
    else throw new UsageError(group === undefined ? 'No command given' : `Unknown command '${[group, command].filter(Boolean).join(' ')}'`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      deps.err(`${error.message}\n${USAGE}`);
      return 2;
    }
    deps.err(
      `stopped: ${error instanceof PreconditionError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    return 1;
  }
}

function parse(args: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function secretsPut(args: readonly string[], deps: OpsDeps): Promise<void> {
  const { values, positionals } = parse(args, {
    stage: { type: 'string' },
    'secret-id': { type: 'string' },
    'from-stdin': { type: 'boolean' },
  });
  if (positionals.length > 1)
    throw new UsageError('secrets put takes one marketplace, and never the secret itself as an argument (it would stay in shell history)');
  const marketplace = checkMarketplace(positionals[0]);
  const explicitId = values['secret-id'] as string | undefined;
  const stage = explicitId === undefined ? parseStage(values.stage as string | undefined) : undefined;
  // Read and check the value before any AWS call: a weak one is refused with nothing touched.
  const value = checkNewSecret(await deps.readSecret(values['from-stdin'] === true));
  const secretId =
    explicitId ?? (await stackOutput(deps.cloudFormation(), statelessStackName(stage ?? 'dev'), webhookSecretOutput(marketplace)));
  const result = await putWebhookSecret({ secrets: deps.secretsManager(), secretId, value });
  if (result.outcome === 'unchanged') {
    deps.out(`${marketplace}: the secret ${secretId} already has this value as current; nothing written`);
    return;
  }
  deps.out(`${marketplace}: new current value written to ${secretId} (version ${result.versionId})`);
  deps.out(
    result.keptPrevious
      ? `${marketplace}: the replaced value is kept as previous, so deliveries signed with it still verify; receivers pick up the change within 5 minutes${result.droppedOlderPrevious ? ' (the older previous value was dropped)' : ''}`
      : `${marketplace}: there was no value before; nothing kept as previous`,
  );
}

async function staffAdd(args: readonly string[], deps: OpsDeps): Promise<void> {
  const { values, positionals } = parse(args, {
    seller: { type: 'string' },
    role: { type: 'string' },
    email: { type: 'string' },
    stage: { type: 'string' },
    'user-pool-id': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'`);
  const staff = checkStaffInput({
    seller: values.seller as string | undefined,
    role: values.role as string | undefined,
    email: values.email as string | undefined,
  });
  const explicitId = values['user-pool-id'] as string | undefined;
  const stage = explicitId === undefined ? parseStage(values.stage as string | undefined) : undefined;
  const userPoolId = explicitId ?? (await stackOutput(deps.cloudFormation(), statelessStackName(stage ?? 'dev'), userPoolIdOutput));
  const result = await addStaff({ cognito: deps.cognito(), userPoolId, staff });
  const who = `${staff.email} (username ${result.username}) as ${staff.role} of seller ${staff.sellerId} in user pool ${userPoolId}`;
  if (result.outcome === 'unchanged') deps.out(`already there: ${who}; nothing changed`);
  else if (result.outcome === 'completed') deps.out(`existing account completed: added ${who} to its group`);
  else
    deps.out(
      `created ${who}; Cognito has e-mailed the invitation with a temporary password to ${staff.email} (valid 3 days; first sign-in sets a password and MFA)`,
    );
}

async function main(): Promise<void> {
  const clients: { destroy(): void }[] = [];
  const track = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  const code = await runOps(process.argv.slice(2), {
    cloudFormation: () => track(new CloudFormationClient({})),
    secretsManager: () => track(new SecretsManagerClient({})),
    cognito: () => track(new CognitoIdentityProviderClient({})),
    readSecret: (fromStdin) => readSecretInput({ fromStdin, prompt: 'New webhook secret (input hidden): ' }),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  for (const client of clients) client.destroy();
  process.exitCode = code;
}

if (import.meta.main) await main();
