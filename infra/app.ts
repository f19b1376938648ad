import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';
import { stageConfig } from './stage-config.ts';

/**
 * `npm run synth` (offline, no credentials) or `npx cdk deploy --all -c stage=prod`.
 * Account and region come from the CLI's environment at deploy time.
 */
const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined ? undefined : String(value);
};
const alarmEmail = context('alarmEmail');
const paymentProviderUrl = context('paymentProviderUrl');
const shopifyShops = context('shopifyShops');
const config = stageConfig(context('stage'), {
  ...(shopifyShops === undefined ? {} : { shopifyShops: JSON.parse(shopifyShops) as Record<string, string> }),
  ...(alarmEmail === undefined ? {} : { alarmEmail }),
  ...(paymentProviderUrl === undefined ? {} : { paymentProviderUrl }),
});
const stateful = new StatefulStack(app, `DisputeDesk-${config.stage}-Stateful`, { config });
const stateless = new StatelessStack(app, `DisputeDesk-${config.stage}-Stateless`, { config, stateful });

// cdk-nag gates the synth: an unacknowledged AwsSolutions finding stops it, naming the rule
// and the construct. (Its validation-plugin entry point needs a newer CDK core than the one
// pinned here, so the packs are run directly on each stack.)
const findings = [stateful, stateless].flatMap((stack) =>
  new AwsSolutionsChecks().validateScope(stack).violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? stack.stackName}: ${v.description}`),
  ),
);
if (findings.length > 0) {
  process.stderr.write(`cdk-nag: ${findings.length} unacknowledged finding(s):\n${findings.map((f) => `  ${f}`).join('\n')}\n`);
  process.exit(1);
}
app.synth();
