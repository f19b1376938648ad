import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseTable, DUE_INDEX_PROJECTION, refundQueue, SELLER_INDEX_PROJECTION } from '#infra/definitions.ts';
import { buildDisputeDesk } from '#infra/dispute-desk-app.ts';
import type { StatefulStack } from '#infra/stacks/stateful-stack.ts';
import type { StatelessStack } from '#infra/stacks/stateless-stack.ts';
import { stageConfig } from '#infra/stage-config.ts';
import { functionManifest, httpRoutes, routeKeyOf } from '../../functions/manifest.ts';

type Stacks = { stateful: StatefulStack; stateless: StatelessStack; statefulT: Template; statelessT: Template };

const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

/** cdk.json's context (feature flags): the CLI passes it to infra/app.ts, so the tests do too. */
const cdkJsonContext = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;

/** The app as infra/app.ts builds it (same builder, same cdk-nag plugin), for one stage's context. */
function appFor(context: Record<string, unknown>): App {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-test-'));
  outDirs.push(outdir);
  // Skip esbuild bundling: these tests read templates; the bundle benchmark builds the code.
  return new App({ outdir, context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context } });
}

function synth(stage: 'dev' | 'prod', context: Record<string, unknown> = {}): Stacks {
  const { stateful, stateless } = buildDisputeDesk(appFor({ stage, ...context }));
  return { stateful, stateless, statefulT: Template.fromStack(stateful), statelessT: Template.fromStack(stateless) };
}

/** Everything prod requires (docs/operations.md, Deploy). */
const prodSettings = {
  alarmEmail: 'oncall@example.com',
  paymentProviderUrl: 'https://refunds.payments.test/v1',
  refundRoutes: JSON.stringify({ default: 'http', sellers: { 'seller-acme': 'stripe' } }),
  shopifyShops: JSON.stringify({ 'acme.myshopify.com': 'seller-acme' }),
} as const;

let dev: Stacks;
let prod: Stacks;

beforeAll(() => {
  dev = synth('dev');
  prod = synth('prod', prodSettings);
});

/**
 * CDK's own deploy-time helpers for the console's bucket: the deployment (copies the files,
 * invalidates the distribution) and the emptier (so the stack can be destroyed); their cdk-nag
 * findings are acknowledged in infra/constructs/staff-console.ts. Everything else in the
 * stateless stack is ours and held to the rules below.
 */
const isCdkDeployHelper = (logicalId: string) => /^Custom(CDKBucketDeployment|S3AutoDeleteObjects)/.test(logicalId);
const ours = (resources: Record<string, unknown>) =>
  Object.entries(resources)
    .filter(([id]) => !isCdkDeployHelper(id))
    .map(([, r]) => r);

/** IAM statements of the inline policies attached to the role of the function with this id prefix. */
function statementsOf(t: Template, functionIdPrefix: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = t.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(`${functionIdPrefix}Role`))
    .flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement);
}

function actionsOf(t: Template, functionIdPrefix: string): string[] {
  return [...new Set(statementsOf(t, functionIdPrefix).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
}

const baseActions = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

describe('stateful stack', () => {
  it('builds the case table from the shared definition: on-demand, PITR, encrypted, TTL, every index', () => {
    prod.statefulT.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: caseTable.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: caseTable.sortKey.name, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: caseTable.timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: caseTable.globalSecondaryIndexes.map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
        }),
      ),
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('projects summaries, never whole cases, into the listing and due indexes (INCLUDE, not ALL: no decision trace)', () => {
    dev.statefulT.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'bySellerDue',
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...SELLER_INDEX_PROJECTION] },
        }),
        Match.objectLike({
          IndexName: 'byOpenDeadline',
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DUE_INDEX_PROJECTION] },
        }),
      ]),
    });
    for (const index of caseTable.globalSecondaryIndexes) expect(index.projection, index.indexName).not.toBe('ALL');
  });

  const statefulTypes = ['AWS::DynamoDB::GlobalTable', 'AWS::SQS::Queue', 'AWS::SecretsManager::Secret', 'AWS::Cognito::UserPool'];

  it('prod: retains every stateful resource on stack deletion, and deletion-protects the table and the user pool', () => {
    for (const type of statefulTypes) {
      const resources = Object.values(prod.statefulT.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const r of resources) expect(r, type).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
    prod.statefulT.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
    });
    prod.statefulT.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
    prod.statelessT.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: { LogGroupName: Match.absent() } });
  });

  it('dev: destroyable: every stateful resource is deleted with the stack, nothing deletion-protected', () => {
    for (const type of statefulTypes) {
      const resources = Object.values(dev.statefulT.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const r of resources) expect(r, type).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
    dev.statefulT.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
    });
    dev.statefulT.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
    for (const t of [dev.statefulT, dev.statelessT]) {
      expect(JSON.stringify(t.toJSON()), 'a Retain policy in dev').not.toMatch(/"(DeletionPolicy|UpdateReplacePolicy)":"Retain"/);
    }
  });

  it('dev: every physical name is generated, so the stacks can be destroyed and deployed again', () => {
    const named: [string, string][] = [
      ['AWS::DynamoDB::GlobalTable', 'TableName'],
      ['AWS::SQS::Queue', 'QueueName'],
      ['AWS::SecretsManager::Secret', 'Name'],
      ['AWS::Scheduler::Schedule', 'Name'],
      ['AWS::SNS::Topic', 'TopicName'],
      ['AWS::Logs::LogGroup', 'LogGroupName'],
    ];
    for (const [type, property] of named) {
      for (const t of [dev.statefulT, dev.statelessT]) {
        for (const [id, r] of Object.entries(t.findResources(type))) {
          expect((r as { Properties: Record<string, unknown> }).Properties[property], `${id} ${property}`).toBeUndefined();
        }
      }
    }
    prod.statefulT.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'dispute-desk-prod-cases' });
    prod.statelessT.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'dispute-desk-prod-alarms' });
  });

  it('outputs the generated table name and queue URLs, for operators', () => {
    expect(Object.keys(dev.statefulT.findOutputs('*'))).toEqual(
      expect.arrayContaining(['CaseTableName', 'RefundQueueUrl', 'RefundDeadLetterQueueUrl']),
    );
  });

  it('creates the refund FIFO queue: encrypted, redrive to its FIFO dead-letter queue after the configured receives', () => {
    prod.statefulT.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      QueueName: `dispute-desk-prod-${refundQueue.name}`,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: refundQueue.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: refundQueue.deadLetter.maxReceiveCount, deadLetterTargetArn: Match.anyValue() },
    });
    prod.statefulT.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      QueueName: `dispute-desk-prod-${refundQueue.deadLetter.queue.name}`,
      SqsManagedSseEnabled: true,
    });
  });

  it('denies every queue request that does not use TLS', () => {
    const policies = Object.values(dev.statefulT.findResources('AWS::SQS::QueuePolicy'));
    // The refund and notification queues and their dead-letter queues.
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('keeps one webhook secret per marketplace, the cursor signing key, the payment providers’ credentials and the notification signing secrets', () => {
    const names = Object.values(prod.statefulT.findResources('AWS::SecretsManager::Secret')).map(
      (r) => (r as { Properties: { Name: string } }).Properties.Name,
    );
    expect(names.sort()).toEqual(
      [
        ...stageConfig('prod', prodSettings).marketplaces.map((m) => `dispute-desk-prod/webhook/${m}`),
        'dispute-desk-prod/cursor-signing-key',
        'dispute-desk-prod/payments/stripe',
        'dispute-desk-prod/payments/shopify-admin-tokens',
        'dispute-desk-prod/notifications/signing-secrets',
      ].sort(),
    );
  });

  it('has a staff user pool: no sign-up, strict passwords, MFA, a seller id attribute, one group per role', () => {
    dev.statefulT.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Policies: {
        PasswordPolicy: { MinimumLength: 14, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
      Schema: Match.arrayWith([Match.objectLike({ Name: 'sellerId', Mutable: false })]),
    });
    for (const role of ['agent', 'supervisor', 'manager']) {
      dev.statefulT.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role });
    }
  });
});

describe('stateless stack', () => {
  it('runs every function on Node.js 24, arm64, with X-Ray (Powertools Tracer settings) and JSON logs into its own log group', () => {
    const functions = ours(dev.statelessT.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const fn of functions) {
      expect(fn).toMatchObject({
        Properties: {
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/Logs/) } },
          Environment: {
            Variables: expect.objectContaining({
              POWERTOOLS_SERVICE_NAME: 'dispute-desk',
              POWERTOOLS_METRICS_NAMESPACE: 'DisputeDesk',
              POWERTOOLS_TRACE_ENABLED: 'true',
              POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
              POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'true',
            }),
          },
        },
      });
    }
  });

  it('deploys exactly the functions of the manifest, with the timeouts it gives', () => {
    const deployed = ours(dev.statelessT.findResources('AWS::Lambda::Function')).map(
      (f) => (f as { Properties: { Description: string; Timeout: number } }).Properties,
    );
    expect(deployed.map((f) => f.Description).sort()).toEqual(functionManifest.map((f) => f.description).sort());
    expect(Object.keys(dev.stateless.functions).sort()).toEqual(functionManifest.map((f) => f.name).sort());
  });

  it('gives no role a managed policy and no policy a wildcard action (CDK’s deploy helper aside, and only it)', () => {
    const helpers = Object.keys(dev.statelessT.findResources('AWS::Lambda::Function')).filter(isCdkDeployHelper);
    expect(helpers).toHaveLength(2);
    for (const role of ours(dev.statelessT.findResources('AWS::IAM::Role'))) {
      expect((role as { Properties: { ManagedPolicyArns?: unknown } }).Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const policy of ours(dev.statelessT.findResources('AWS::IAM::Policy'))) {
      const statements = (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties
        .PolicyDocument.Statement;
      for (const s of statements) for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
    }
  });

  it.each([
    [
      'ReceiveWebhook',
      [
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
      ],
    ],
    [
      'ApplyRefund',
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'secretsmanager:GetSecretValue',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ],
    ],
    ['RelayRefundOutbox', ['dynamodb:DeleteItem', 'dynamodb:Query', 'sqs:SendMessage']],
    ['ListCases', ['dynamodb:Query', 'secretsmanager:GetSecretValue']],
    ['GetCase', ['dynamodb:GetItem', 'dynamodb:Query']],
    ['AddEvidence', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'sqs:SendMessage']],
    ['ApproveDecision', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'sqs:SendMessage']],
    ['OverrideDecision', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'sqs:SendMessage']],
    ['AddNote', ['dynamodb:GetItem', 'dynamodb:PutItem']],
    ['AssignCase', ['cognito-idp:ListUsers', 'dynamodb:GetItem', 'dynamodb:PutItem']],
    ['GetOpenapi', []],
    [
      'EscalateStaleCases',
      ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'sqs:SendMessage'],
    ],
  ])('grants %s exactly the actions its code calls', (fn, actions) => {
    expect(actionsOf(dev.statelessT, fn)).toEqual([...baseActions, ...actions].sort());
  });

  it('lets the relay query only the outbox index, never the table or other indexes', () => {
    const query = statementsOf(dev.statelessT, 'RelayRefundOutbox').find((s) => s.Action === 'dynamodb:Query');
    expect(JSON.stringify(query?.Resource)).toContain('/index/byPendingOutbox');
    expect(JSON.stringify(query?.Resource)).not.toContain('/index/*');
  });

  it('feeds the refund worker from the FIFO queue with partial batch failures and bounded concurrency', () => {
    dev.statelessT.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: stageConfig('dev').refundWorkerMaxConcurrency },
    });
  });

  it('routes POST /webhooks/{marketplace} without a JWT authorizer (the signature is checked in code)', () => {
    dev.statelessT.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /webhooks/{marketplace}',
      AuthorizationType: 'NONE',
    });
  });

  it('puts every seller route behind the Cognito JWT authorizer, and nothing else', () => {
    const routes = Object.values(dev.statelessT.findResources('AWS::ApiGatewayV2::Route')) as {
      Properties: { RouteKey: string; AuthorizationType: string; AuthorizerId?: unknown };
    }[];
    const byKey = Object.fromEntries(routes.map((r) => [r.Properties.RouteKey, r.Properties]));
    // The seller API as the contract names it: a route the manifest drops or adds fails here.
    const sellerRoutes = [
      'GET /cases',
      'GET /cases/{id}',
      'GET /cases/{id}/history',
      'POST /cases/{id}/evidence',
      'POST /cases/{id}/approve',
      'POST /cases/{id}/override',
      'POST /cases/{id}/notes',
      'POST /cases/{id}/assign',
      'POST /cases/{id}/return-shipment',
      'POST /cases/{id}/return-receipt',
      'POST /cases/{id}/inspection',
      'POST /cases/{id}/carrier-claim/filing',
      'POST /cases/{id}/carrier-claim/outcome',
      'POST /cases/{id}/appeal',
      'GET /reports/recovery',
    ];
    const manifestRoutes = httpRoutes().map(({ trigger }) => routeKeyOf(trigger));
    expect(Object.keys(byKey).sort()).toEqual(manifestRoutes.sort());
    for (const { trigger } of httpRoutes()) {
      const key = routeKeyOf(trigger);
      expect(byKey[key], key).toMatchObject(
        trigger.auth === 'staff-jwt' ? { AuthorizationType: 'JWT', AuthorizerId: expect.anything() } : { AuthorizationType: 'NONE' },
      );
      expect(trigger.auth === 'staff-jwt', key).toBe(sellerRoutes.includes(key));
    }
    // What no route matches reaches route-not-found, which answers a problem, not API Gateway's {"message"}.
    expect(byKey.$default).toMatchObject({ AuthorizationType: 'NONE', Target: expect.anything() });
    dev.statelessT.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      // The tools' client and the console's.
      JwtConfiguration: { Audience: [Match.anyValue(), Match.anyValue()], Issuer: Match.anyValue() },
    });
  });

  it('keeps the cursor signing key in Secrets Manager, never in the environment', () => {
    const fnProps = Object.values(dev.statelessT.findResources('AWS::Lambda::Function')).map(
      (f) => (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables ?? {},
    );
    expect(fnProps.some((v) => 'CURSOR_SIGNING_KEY_ARN' in v)).toBe(true);
    expect(fnProps.some((v) => 'CURSOR_SIGNING_KEY' in v)).toBe(false);
  });

  it('throttles the API and writes access logs', () => {
    dev.statelessT.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
  });

  it('writes API access logs as JSON with the request id, and nothing that identifies a person', () => {
    const stage = Object.values(dev.statelessT.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      Properties: { AccessLogSettings: { Format: string } };
    };
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/sourceIp|userAgent|identity\./);
  });

  it('has an operations dashboard over intake, the refund pipeline and staff deadlines', () => {
    const dashboards = Object.values(dev.statelessT.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]);
    for (const part of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'OldestOverdueAge',
      'EscalationFailures',
      '5xx',
      'Errors',
      // The business metrics: the refund pipeline, money paid, SLA breaches, decisions, webhooks.
      'RefundsReleased',
      'RefundsPaid',
      'RefundsFailed',
      'RefundMoneyPaidMinorUnits',
      'SlaBreaches',
      'ReviewBacklog',
      'Decisions',
      'WebhooksAccepted',
      'WebhooksRefused',
    ]) {
      expect(body, part).toContain(part);
    }
    // Widgets by title, in the rendered body (a Fn::Join of strings and tokens).
    const rendered = (dashboards[0] as { Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } } }).Properties.DashboardBody[
      'Fn::Join'
    ][1]
      .filter((part): part is string => typeof part === 'string')
      .join('');
    for (const title of [
      'Refund pipeline: refunds released, paid, failed',
      'Refund pipeline: money paid (minor units, per currency)',
      'Staff deadlines: SLA breaches (escalations, default resolutions)',
      'Staff: review backlog (cases awaiting staff)',
    ]) {
      expect(rendered, title).toContain(`"title":"${title}"`);
    }
    // Money per currency and decisions by their dimensions are searched, so new values show up.
    expect(rendered).toContain('SEARCH(\'{DisputeDesk,service,currency} MetricName=\\"RefundMoneyPaidMinorUnits\\"');
    expect(rendered).toContain('{DisputeDesk,service,remedy,dominantParty}');
    prod.statelessT.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'dispute-desk-prod-operations' });
  });

  it('lets escalation query only the sparse deadline index', () => {
    const query = statementsOf(dev.statelessT, 'EscalateStaleCases').find((s) => s.Action === 'dynamodb:Query');
    expect(JSON.stringify(query?.Resource)).toContain('/index/byOpenDeadline');
    expect(JSON.stringify(query?.Resource)).not.toContain('/index/*');
  });

  it('runs the escalation job on the configured rate', () => {
    dev.statelessT.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EscalateStaleCases'), 'Arn'] } },
      ScheduleExpression: 'rate(15 minutes)',
    });
    prod.statelessT.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'dispute-desk-prod-escalate-stale-cases',
      ScheduleExpression: 'rate(5 minutes)',
    });
  });

  it('runs the outbox relay on a schedule with retries and a dead-letter queue', () => {
    prod.statelessT.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'dispute-desk-prod-relay-refund-outbox',
      ScheduleExpression: 'rate(2 minutes)',
      Target: { RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 }, DeadLetterConfig: { Arn: Match.anyValue() } },
    });
    dev.statelessT.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RelayRefundOutbox'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      },
    });
  });

  it('alarms on dead letters, queue age, worker errors, throttles, overdue cases and API 5xx, all to one encrypted topic', () => {
    const alarms = Object.values(prod.statelessT.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    const metricNames = alarms.map((a) => a.Properties.MetricName ?? 'expression');
    expect(metricNames).toEqual(
      expect.arrayContaining([
        'ApproximateNumberOfMessagesVisible',
        'ApproximateAgeOfOldestMessage',
        'Errors',
        'Throttles',
        'OldestOverdueAge',
        'EscalationFailures',
        'expression',
      ]),
    );
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([expect.objectContaining({ Ref: expect.stringMatching(/Topic/) })]);
  });

  it('alarms on the business metrics (refunds failed, refunds stalled, SLA breaches, review backlog) with a runbook link, to the topic', () => {
    const alarms = prod.statelessT.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Record<string, any> }>;
    const byId = (prefix: string) => {
      const found = Object.entries(alarms).filter(([id]) => id.startsWith(`Alarms${prefix}`));
      expect(found, prefix).toHaveLength(1);
      return (found[0] as [string, { Properties: Record<string, any> }])[1].Properties;
    };
    const metricsOf = (p: Record<string, any>) =>
      (p.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] } } }[])
        .filter((m) => m.MetricStat !== undefined)
        .map((m) => m.MetricStat?.Metric);

    const failed = byId('RefundsFailed');
    expect(failed).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    expect(metricsOf(failed).map((m) => m?.MetricName)).toEqual(['RefundsFailed', 'RefundsFailed', 'RefundsFailed']);
    expect(metricsOf(failed).map((m) => m?.Dimensions.find((d) => d.Name === 'reason')?.Value)).toEqual([
      'PROVIDER_UNAVAILABLE',
      'PROVIDER_REFUSED',
      'OTHER',
    ]);
    expect(failed.AlarmDescription).toContain('Runbook: docs/operations.md#refundsfailed');

    const stalled = byId('RefundsStalled');
    expect(metricsOf(stalled).map((m) => m?.MetricName)).toEqual(['RefundsReleased', 'RefundsPaid']);
    expect(stalled.AlarmDescription).toContain('Runbook: docs/operations.md#refundsstalled');

    const breaches = byId('SlaBreaches');
    expect(breaches).toMatchObject({ Threshold: 10, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(metricsOf(breaches).map((m) => m?.Dimensions.find((d) => d.Name === 'kind')?.Value)).toEqual([
      'ESCALATED',
      'DEFAULT_RESOLUTION',
    ]);
    expect(breaches.AlarmDescription).toContain('Runbook: docs/operations.md#slabreaches');
    const devBreaches = Object.entries(dev.statelessT.findResources('AWS::CloudWatch::Alarm')).find(([id]) =>
      id.startsWith('AlarmsSlaBreaches'),
    );
    expect((devBreaches?.[1] as { Properties: { Threshold: number } } | undefined)?.Properties.Threshold).toBe(20);

    const backlog = byId('ReviewBacklog');
    expect(backlog).toMatchObject({ MetricName: 'ReviewBacklog', Statistic: 'Maximum', Threshold: 200, EvaluationPeriods: 2 });
    expect(backlog.AlarmDescription).toContain('Runbook: docs/operations.md#reviewbacklog');
    const devBacklog = Object.entries(dev.statelessT.findResources('AWS::CloudWatch::Alarm')).find(([id]) =>
      id.startsWith('AlarmsReviewBacklog'),
    );
    expect((devBacklog?.[1] as { Properties: { Threshold: number } } | undefined)?.Properties.Threshold).toBe(500);

    for (const p of [failed, stalled, breaches, backlog]) {
      expect(p.AlarmActions).toEqual([expect.objectContaining({ Ref: expect.stringMatching(/Topic/) })]);
      expect(p.OKActions).toEqual([expect.objectContaining({ Ref: expect.stringMatching(/Topic/) })]);
    }
    // Every runbook anchor named in an alarm exists in the runbook.
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const anchors = new Set(
      [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
        (m[1] ?? '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const a of Object.values(alarms)) {
      for (const [, anchor] of String(a.Properties.AlarmDescription ?? '').matchAll(/docs\/operations\.md#([a-z0-9-]+)/g)) {
        expect(anchors, anchor).toContain(anchor);
      }
    }
    prod.statelessT.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    prod.statelessT.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    dev.statelessT.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('outputs the API URL, the user pool ids and the secret ARNs', () => {
    const outputs = Object.keys(dev.statelessT.findOutputs('*'));
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId']));
    expect(outputs.filter((o) => o.startsWith('WebhookSecretArn'))).toHaveLength(2);
  });
});

describe('feature flags', () => {
  it('cdk.json sets every flag aws-cdk-lib currently recommends, to the recommended value', () => {
    const recommended = JSON.parse(
      readFileSync(new URL('../../node_modules/aws-cdk-lib/recommended-feature-flags.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    // One reviewed exception: strong cross-stack references (exports), so replacing a resource
    // the stateless stack uses fails the stateful deploy loudly instead of leaving functions
    // on the old value until their own stack changes (what weak references do).
    const exceptions: Record<string, unknown> = { '@aws-cdk/core:defaultCrossStackReferences': 'strong' };
    for (const [flag, value] of Object.entries(recommended))
      expect(cdkJsonContext[flag], flag).toEqual(flag in exceptions ? exceptions[flag] : value);
  });

  it('reads the stateful values by strong reference (exports), so replacing one fails the stateful deploy loudly', () => {
    expect(JSON.stringify(dev.statelessT.toJSON())).toContain('Fn::ImportValue');
    expect(JSON.stringify(dev.statelessT.toJSON())).not.toContain('Fn::GetStackOutput');
    expect(JSON.stringify(dev.statefulT.toJSON())).toContain('"Export"');
  });
});

describe('stages', () => {
  it('names, retention and schedules differ between dev and prod', () => {
    prod.statefulT.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'dispute-desk-prod-cases' });
    prod.statelessT.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    dev.statelessT.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('refuses an unknown stage by name', () => {
    expect(() => stageConfig('staging')).toThrow(/Unknown stage 'staging'/);
  });

  it.each(Object.keys(prodSettings) as (keyof typeof prodSettings)[])(
    'a prod synth without %s fails, naming the setting and how to give it',
    (missing) => {
      const context: Record<string, string> = { ...prodSettings };
      delete context[missing];
      const build = () => buildDisputeDesk(appFor({ stage: 'prod', ...context }));
      expect(build).toThrow(new RegExp(`${missing} is required for stage prod: -c ${missing}=`));
      // Only the missing one is named.
      for (const other of Object.keys(prodSettings).filter((k) => k !== missing))
        expect(build).not.toThrow(new RegExp(`${other} is required`));
    },
  );

  it('a prod synth with no settings names all three', () => {
    expect(() => buildDisputeDesk(appFor({ stage: 'prod' }))).toThrow(
      /alarmEmail is required[\s\S]*refundRoutes is required[\s\S]*shopifyShops is required/,
    );
  });

  it('a prod synth whose refund routes never name http needs no paymentProviderUrl; routes naming an unknown provider are refused', () => {
    const { paymentProviderUrl: _none, ...rest } = prodSettings;
    expect(() => stageConfig('prod', { ...rest, refundRoutes: '{"default":"stripe","marketplaces":{"shopify":"shopify"}}' })).not.toThrow();
    expect(() => stageConfig('prod', { ...rest, refundRoutes: '{"default":"paypal"}' })).toThrow(/refundRoutes is not a routing/);
    expect(() => stageConfig('dev', { refundRoutes: '{"default":' })).toThrow(/refundRoutes is not a routing/);
  });

  it.each([
    ['alarmEmail', 'oncall', /alarmEmail 'oncall' is not an email address/],
    ['paymentProviderUrl', 'http://payments.test', /paymentProviderUrl 'http:\/\/payments.test' is not an https URL/],
    ['shopifyShops', '{not json', /shopifyShops is not a JSON object/],
    ['shopifyShops', '["acme.myshopify.com"]', /shopifyShops is not a JSON object/],
  ] as const)('refuses a malformed %s (%s), in any stage', (key, value, message) => {
    expect(() => buildDisputeDesk(appFor({ stage: 'prod', ...prodSettings, [key]: value }))).toThrow(message);
    expect(() => buildDisputeDesk(appFor({ stage: 'dev', [key]: value }))).toThrow(message);
  });

  it('passes the prod settings to the functions and the alarm topic', () => {
    const variables = Object.values(prod.statelessT.findResources('AWS::Lambda::Function')).map(
      (f) => (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables ?? {},
    );
    expect(variables.some((v) => v.SHOPIFY_SHOPS === prodSettings.shopifyShops)).toBe(true);
    expect(variables.some((v) => v.PAYMENT_PROVIDER_URL === prodSettings.paymentProviderUrl)).toBe(true);
    const routes = variables.map((v) => v.REFUND_ROUTES).filter((r) => r !== undefined);
    expect(routes.map((r) => JSON.parse(String(r)))).toEqual([{ default: 'http', marketplaces: {}, sellers: { 'seller-acme': 'stripe' } }]);
    expect(variables.some((v) => v.STRIPE_SECRET_ARN !== undefined && v.SHOPIFY_ADMIN_TOKENS_ARN !== undefined)).toBe(true);
    prod.statelessT.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: prodSettings.alarmEmail });
  });

  it('dev needs none of the prod settings', () => {
    expect(() => buildDisputeDesk(appFor({ stage: 'dev' }))).not.toThrow();
  });
});

describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'prod'] as const)('%s: no unacknowledged finding in either stack', (stage) => {
    const stacks = stage === 'dev' ? dev : prod;
    for (const stack of [stacks.stateful, stacks.stateless]) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? '?'}`));
      expect(findings, stack.stackName).toEqual([]);
    }
  });

  it('is not vacuous: through the registered plugin, a careless queue fails the synth naming the rules and writes the report', async () => {
    const { Queue, QueueEncryption } = await import('aws-cdk-lib/aws-sqs');
    const app = appFor({ stage: 'dev' });
    const { stateless } = buildDisputeDesk(app);
    new Queue(stateless, 'Careless', { encryption: QueueEncryption.UNENCRYPTED, enforceSSL: false });
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/AwsSolutions-SQS3/);
    expect(message).toMatch(/AwsSolutions-SQS4/);
    expect(message).toContain(`${stateless.stackName}/Careless/Resource`);
    // The app's own acknowledged findings stay suppressed: only the careless queue is named.
    expect(message).not.toMatch(/AwsSolutions-(SMG4|IAM5|APIG4)/);
    const report = path.join(app.outdir, 'validation-report.json');
    expect(existsSync(report)).toBe(true);
    const { pluginReports } = JSON.parse(readFileSync(report, 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[];
    };
    const nag = pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('failure');
    expect(nag?.violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  it('the pack itself reports a careless queue (validateScope)', async () => {
    const { Stack } = await import('aws-cdk-lib');
    const { Queue, QueueEncryption } = await import('aws-cdk-lib/aws-sqs');
    const stack = new Stack(new App(), 'Careless');
    new Queue(stack, 'Careless', { encryption: QueueEncryption.UNENCRYPTED, enforceSSL: false });
    const rules = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  it('every acknowledgement carries a specific reason', () => {
    const acknowledged: { id: string; reason: string }[] = [];
    const visit = (c: IConstruct) => {
      for (const entry of c.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged.push({ id, reason });
      }
      c.node.children.forEach(visit);
    };
    visit(prod.stateful);
    visit(prod.stateless);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const a of acknowledged) expect(a.reason.length, a.id).toBeGreaterThan(40);
  });
});

describe('staff console in AWS (#18)', () => {
  const consoleClient = (t: Template) =>
    Object.values(
      t.findResources('AWS::Cognito::UserPoolClient', { Properties: { ClientName: Match.stringLikeRegexp('staff-console$') } }),
    )[0] as {
      Properties: Record<string, unknown>;
    };

  it('the tools’ app client has no OAuth flow at all: no implicit flow, no placeholder callback', () => {
    const client = Object.values(dev.statefulT.findResources('AWS::Cognito::UserPoolClient'))[0] as { Properties: Record<string, unknown> };
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client.Properties.CallbackURLs).toBeUndefined();
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(false);
  });

  it('the console’s client: authorization code only, no secret (PKCE), callback and logout to the console on its distribution', () => {
    const client = consoleClient(dev.statelessT);
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email'],
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
    });
    const callbacks = JSON.stringify(client.Properties.CallbackURLs);
    expect(callbacks).toContain('DomainName');
    expect(callbacks).toContain('/console/');
    expect(client.Properties.LogoutURLs).toEqual(client.Properties.CallbackURLs);
    dev.statelessT.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true });
  });

  it('a console URL of the stage’s own is a second callback of the console client', () => {
    const withConsole = synth('prod', { ...prodSettings, consoleUrl: 'https://console.example.com/console/' });
    const urls = consoleClient(withConsole.statelessT).Properties.CallbackURLs as unknown[];
    expect(urls).toHaveLength(2);
    expect(urls).toContain('https://console.example.com/console/');
  });

  it('staff sign in at a managed-login domain of the user pool', () => {
    dev.statefulT.hasResourceProperties('AWS::Cognito::UserPoolDomain', { ManagedLoginVersion: 2, Domain: Match.anyValue() });
  });

  it('serves the files from a private, encrypted, SSL-only bucket through CloudFront with origin access control', () => {
    dev.statelessT.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.anyValue(),
    });
    dev.statelessT.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    dev.statelessT.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'console/index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        // The seller API behind the same origin: no CORS, connect-src 'self'.
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: '/cases*', ViewerProtocolPolicy: 'https-only', AllowedMethods: Match.arrayWith(['POST']) }),
        ]),
      }),
    });
    const policy = JSON.stringify(dev.statelessT.findResources('AWS::S3::BucketPolicy'));
    expect(policy).toContain('cloudfront.amazonaws.com');
    expect(policy).toContain('aws:SecureTransport');
  });

  it('sends the local runtime’s security headers, HSTS added, the CSP allowing only its own origin and the sign-in domain', () => {
    const policy = Object.values(dev.statelessT.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0] as {
      Properties: { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Record<string, Record<string, unknown>> } };
    };
    const security = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = JSON.stringify(security.ContentSecurityPolicy?.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://");
    expect(csp).toContain('amazoncognito.com');
    expect(csp).not.toContain('unsafe');
    expect(security.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true });
    expect(security.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
  });

  it('deploys config.json with the sign-in domain and the console client id, and invalidates the distribution', () => {
    const deployment = Object.values(dev.statelessT.findResources('Custom::CDKBucketDeployment'))[0] as {
      Properties: Record<string, unknown>;
    };
    expect(deployment.Properties.DistributionPaths).toEqual(['/console/*']);
    expect(JSON.stringify(deployment.Properties.SourceMarkers)).toContain('SignInClient');
    expect(consoleClient(prod.statelessT)).toBeDefined();
  });

  it('prod keeps nothing of the console that needs keeping: its files are rebuilt on deploy', () => {
    const bucket = Object.values(prod.statelessT.findResources('AWS::S3::Bucket'))[0] as { DeletionPolicy?: string };
    expect(bucket.DeletionPolicy).toBe('Delete');
  });

  it('refuses a console URL that is not https in prod, and allows http://localhost only in dev', () => {
    expect(() => stageConfig('prod', { ...prodSettings, consoleUrl: 'http://console.example.com/' })).toThrow(
      /consoleUrl .* must be https in prod/,
    );
    expect(() => stageConfig('prod', { ...prodSettings, consoleUrl: 'http://localhost:3000/console/' })).toThrow(/must be https in prod/);
    expect(() => stageConfig('dev', { consoleUrl: 'not a url' })).toThrow(/is not a URL/);
    expect(() => stageConfig('dev', { consoleUrl: 'https://c.example.com/#x' })).toThrow(/no query, fragment/);
    expect(stageConfig('dev', { consoleUrl: 'http://localhost:3000/console/' }).consoleUrl).toBe('http://localhost:3000/console/');
  });
});
