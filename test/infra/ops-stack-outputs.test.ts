import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDisputeDesk } from '#infra/dispute-desk-app.ts';
import { statelessStackName, userPoolIdOutput, webhookSecretOutput } from '#ops/stack-outputs.ts';

/**
 * `npm run ops` finds the user pool and the webhook secrets by the stateless stack's name
 * and output keys: the names it asks for are the ones the app synthesizes, for both stages.
 */

const cdkJsonContext = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;
const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

const prodSettings = {
  alarmEmail: 'oncall@example.com',
  paymentProviderUrl: 'https://refunds.example.com/v1',
  refundRoutes: '{"default":"http"}',
  shopifyShops: '{"a.myshopify.com":"seller-a"}',
};

describe.each(['dev', 'prod'] as const)('stage %s', (stage) => {
  it('the stateless stack is named and outputs the user pool id and one secret ARN per marketplace as ops looks them up', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-ops-'));
    outDirs.push(outdir);
    const app = new App({
      outdir,
      context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], stage, ...(stage === 'prod' ? prodSettings : {}) },
    });
    const { config, stateful, stateless } = buildDisputeDesk(app);
    expect(stateless.stackName).toBe(statelessStackName(stage));
    const outputs = Template.fromStack(stateless).findOutputs('*');
    expect(outputs[userPoolIdOutput]?.Value).toEqual(stateless.resolve(stateful.userPool.userPoolId));
    for (const marketplace of config.marketplaces) {
      const secret = stateful.webhookSecrets[marketplace];
      expect(secret).toBeDefined();
      expect(outputs[webhookSecretOutput(marketplace)]?.Value).toEqual(stateless.resolve(secret?.secretArn));
    }
  });
});
