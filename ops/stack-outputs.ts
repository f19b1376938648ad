import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PreconditionError, UsageError } from './errors.ts';

export const stages = ['dev', 'prod'] as const;
export type Stage = (typeof stages)[number];

export function parseStage(value: string | undefined): Stage {
  if (value === 'dev' || value === 'prod') return value;
  throw new UsageError(`${value === undefined ? 'No stage given' : `Unknown stage '${value}'`}: use --stage dev or --stage prod`);
}

/** The stack whose outputs give the user pool id and the webhook secret ARNs (infra/stacks/stateless-stack.ts). */
export const statelessStackName = (stage: Stage): string => `DisputeDesk-${stage}-Stateless`;

/**
 * The OutputKey CloudFormation reports for a `CfnOutput` id: CDK drops every character that
 * is not a letter or digit (`WebhookSecretArn-demo-market` → `WebhookSecretArndemomarket`).
 */
export const outputKeyOf = (cdkId: string): string => cdkId.replace(/[^A-Za-z0-9]/g, '');

export const userPoolIdOutput = outputKeyOf('UserPoolId');
export const webhookSecretOutput = (marketplace: string): string => outputKeyOf(`WebhookSecretArn-${marketplace}`);

/** The part of a CloudFormation client these commands use (a stub in unit tests). */
export type StackOutputsClient = Pick<CloudFormationClient, 'send'>;

/** All outputs of a deployed stack; names the stack and how to deploy it when it is missing. */
export async function stackOutputs(cfn: StackOutputsClient, stackName: string): Promise<Readonly<Record<string, string>>> {
  let stacks;
  try {
    ({ Stacks: stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) {
      throw new PreconditionError(
        `Stack ${stackName} does not exist in this account and region: deploy it first (npm run deploy), or pass the id explicitly`,
        { cause: error },
      );
    }
    throw error;
  }
  const outputs = stacks?.[0]?.Outputs ?? [];
  return Object.fromEntries(
    outputs.flatMap((o) => (o.OutputKey === undefined || o.OutputValue === undefined ? [] : [[o.OutputKey, o.OutputValue]])),
  );
}

/** One output of a deployed stack, or an error listing the outputs it does have. */
export async function stackOutput(cfn: StackOutputsClient, stackName: string, outputKey: string): Promise<string> {
  const outputs = await stackOutputs(cfn, stackName);
  const value = outputs[outputKey];
  if (value === undefined) {
    throw new PreconditionError(
      `Stack ${stackName} has no output ${outputKey} (it has: ${Object.keys(outputs).sort().join(', ') || 'none'})`,
    );
  }
  return value;
}

export function newCloudFormationClient(): CloudFormationClient {
  return new CloudFormationClient({});
}
