import { App } from 'aws-cdk-lib';
import { buildDisputeDesk } from './dispute-desk-app.ts';
import { StageConfigError } from './stage-config.ts';

/**
 * `npm run synth` (offline, no credentials) or `npx cdk deploy --all -c stage=prod …`
 * (docs/operations.md lists the settings prod requires). Account and region come from the
 * CLI's environment at deploy time. cdk-nag runs as a validation plugin during synth: an
 * unacknowledged AwsSolutions finding fails it, naming the rule and the construct.
 */
const app = new App();
try {
  buildDisputeDesk(app);
} catch (error) {
  // A missing or malformed setting: say which, without a stack trace in the way.
  if (!(error instanceof StageConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
app.synth();
