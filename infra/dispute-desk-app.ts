import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';
import { OPTIONAL_SETTINGS, REQUIRED_IN_PROD, type StageConfig, stageConfig } from './stage-config.ts';

export type DisputeDesk = { readonly config: StageConfig; readonly stateful: StatefulStack; readonly stateless: StatelessStack };

/**
 * The whole app on `app`: the stage's settings from its context (`-c stage=…` and the
 * settings `stageConfig` asks for), both stacks, and cdk-nag's AwsSolutions pack registered
 * as a validation plugin. At `app.synth()` the plugin runs over the finished construct tree;
 * an unacknowledged finding fails the synth, naming the rule and the construct, and the
 * report is written to `validation-report.json` in the cloud assembly. Acknowledgements are
 * `Validations.of(construct).acknowledge(...)` beside the construct, each with its reason.
 */
export function buildDisputeDesk(app: App): DisputeDesk {
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  };
  const settings: Record<string, string> = {};
  for (const key of [...Object.keys(REQUIRED_IN_PROD), ...OPTIONAL_SETTINGS]) {
    const value = context(key);
    if (value !== undefined) settings[key] = value;
  }
  // Prod refuses to synthesize without alarmEmail, paymentProviderUrl and shopifyShops,
  // naming each missing one and how to give it.
  const config = stageConfig(context('stage'), settings);
  Validations.of(app).addPlugins(new AwsSolutionsChecks());
  const stateful = new StatefulStack(app, `DisputeDesk-${config.stage}-Stateful`, { config });
  const stateless = new StatelessStack(app, `DisputeDesk-${config.stage}-Stateless`, { config, stateful });
  return { config, stateful, stateless };
}
