import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseTable, refundQueue } from '#infra/definitions.ts';
import { StatefulStack } from '#infra/stacks/stateful-stack.ts';
import { StatelessStack } from '#infra/stacks/stateless-stack.ts';
import { stageConfig } from '#infra/stage-config.ts';

let stateful: Template;
let stateless: Template;

beforeAll(() => {
  // Skip esbuild bundling: these tests read templates, the bundle benchmark builds the code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = stageConfig('dev');
  const statefulStack = new StatefulStack(app, 'Stateful', { config });
  const statelessStack = new StatelessStack(app, 'Stateless', { config, stateful: statefulStack });
  stateful = Template.fromStack(statefulStack);
  stateless = Template.fromStack(statelessStack);
});

describe('stateful stack', () => {
  it('builds the case table from the shared definition', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: caseTable.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: caseTable.sortKey.name, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: caseTable.timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: caseTable.globalSecondaryIndexes.map((index) =>
        Match.objectLike({ IndexName: index.indexName }),
      ),
    });
  });

  it('retains the table and protects it from deletion', () => {
    stateful.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('creates the refund FIFO queue with its dead-letter queue and redrive from the definition', () => {
    stateful.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      QueueName: `dispute-desk-dev-${refundQueue.name}`,
      VisibilityTimeout: refundQueue.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: refundQueue.deadLetter.maxReceiveCount, deadLetterTargetArn: Match.anyValue() },
    });
  });
});

describe('stateless stack', () => {
  it('runs the intake function on Node.js 24, arm64', () => {
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ WEBHOOK_SECRET_ARNS: Match.anyValue(), TABLE_NAME: Match.anyValue() }) },
    });
  });

  it('routes POST /webhooks/{marketplace} without a JWT authorizer (the signature is checked in code)', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /webhooks/{marketplace}',
      AuthorizationType: 'NONE',
    });
  });

  it('does not deploy the temporary unauthenticated case read', () => {
    const routes = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    expect(routes).not.toContain('GET /cases/{id}');
  });
});
