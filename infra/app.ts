import { App } from 'aws-cdk-lib';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';
import { stageConfig } from './stage-config.ts';

/**
 * `npm run synth` (offline, no credentials) or `npx cdk deploy --all -c stage=prod`.
 * Account and region come from the CLI's environment at deploy time.
 */
const app = new App();
const config = stageConfig(app.node.tryGetContext('stage'), {
  ...(app.node.tryGetContext('alarmEmail') === undefined ? {} : { alarmEmail: String(app.node.tryGetContext('alarmEmail')) }),
});
const stateful = new StatefulStack(app, `DisputeDesk-${config.stage}-Stateful`, { config });
new StatelessStack(app, `DisputeDesk-${config.stage}-Stateless`, { config, stateful });
app.synth();
