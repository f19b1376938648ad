import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ScheduleExpression, Schedule } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DisputeFunction } from '../constructs/dispute-function.ts';
import { OperationsAlarms } from '../constructs/operations-alarms.ts';
import { OperationsDashboard } from '../constructs/operations-dashboard.ts';
import { StaffConsole } from '../constructs/staff-console.ts';
import { physicalName, type StageConfig } from '../stage-config.ts';
import type { StatefulStack } from './stateful-stack.ts';
import { constructIdOf, entryOf, type FunctionSpec, functionManifest, httpRoutes, timeoutSecondsOf } from '../../functions/manifest.ts';

/**
 * API access logs as one JSON object per request, so Logs Insights can query them by field.
 * The request id is the one in every error body and in the functions' logs. No source IP or
 * user agent: nothing that identifies a person leaves the request.
 */
export const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTimeEpoch',
    method: '$context.httpMethod',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationLatencyMs: '$context.integrationLatency',
    error: '$context.error.message',
    authorizerError: '$context.authorizer.error',
  }),
);

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/** Code and its wiring: functions, the HTTP API, schedules, alarms. Safe to destroy and redeploy. */
export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly functions: Readonly<Record<string, DisputeFunction>>;
  readonly console: StaffConsole;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const { table } = stateful;
    // Every function from the manifest: its construct, then exactly the grants it lists.
    const functions: Record<string, DisputeFunction> = {};
    for (const spec of functionManifest as readonly FunctionSpec[]) {
      const fn = new DisputeFunction(this, constructIdOf(spec.name), {
        stem: spec.name,
        entry: entryOf(spec),
        description: spec.description,
        logRetention: config.logRetention,
        timeout: Duration.seconds(timeoutSecondsOf(spec)),
      });
      const { access } = spec;
      if (access.table !== undefined) fn.bindTable(table, access.table.actions, access.table.indexes ?? []);
      if (access.webhookSecrets) fn.bindWebhookSecrets(stateful.webhookSecrets);
      if (access.refundQueue) fn.bindRefundQueue(stateful.refundQueue);
      if (access.notificationQueue) fn.bindQueue(stateful.notificationQueue, 'NOTIFICATION_QUEUE_URL');
      if (access.credentials?.includes('notificationSigningSecrets')) {
        fn.bindSecret(stateful.notificationSigningSecrets, 'NOTIFICATION_SIGNING_SECRETS_ARN');
      }
      if (access.cursorSigningKey) fn.bindSecret(stateful.cursorSigningKey, 'CURSOR_SIGNING_KEY_ARN');
      if (access.staffDirectory) {
        fn.addToRolePolicy(new PolicyStatement({ actions: ['cognito-idp:ListUsers'], resources: [stateful.userPool.userPoolArn] }));
        fn.addEnvironment('STAFF_USER_POOL_ID', stateful.userPool.userPoolId);
      }
      if (access.credentials?.includes('stripe')) fn.bindSecret(stateful.paymentSecrets.stripe, 'STRIPE_SECRET_ARN');
      if (access.credentials?.includes('shopifyAdminTokens')) {
        fn.bindSecret(stateful.paymentSecrets.shopifyAdminTokens, 'SHOPIFY_ADMIN_TOKENS_ARN');
      }
      const settingValues = {
        SHOPIFY_SHOPS: JSON.stringify(config.shopifyShops),
        PAYMENT_PROVIDER_URL: config.paymentProviderUrl,
        REFUND_ROUTES: JSON.stringify(config.refundRoutes),
        NOTIFICATION_CHANNELS: JSON.stringify(config.notificationChannels),
      };
      for (const setting of access.settings ?? []) {
        const value = settingValues[setting];
        if (value !== undefined) fn.addEnvironment(setting, value);
      }
      if (spec.trigger.kind === 'sqs') {
        fn.addEventSource(
          new SqsEventSource(spec.trigger.queue === 'refund' ? stateful.refundQueue : stateful.notificationQueue, {
            batchSize: spec.trigger.batchSize,
            reportBatchItemFailures: true,
            maxConcurrency: config.refundWorkerMaxConcurrency,
          }),
        );
      }
      functions[spec.name] = fn;
    }
    this.functions = functions;
    const worker = functions['apply-refund'];
    if (worker === undefined) throw new Error('The manifest has no apply-refund function');

    // --- HTTP API --------------------------------------------------------------------------
    this.api = new HttpApi(this, 'Api', {
      apiName: `${config.prefix}-api`,
      description: 'Dispute Desk: marketplace webhooks and the seller staff API',
      // No CORS: marketplaces call server to server, tools with a bearer token from their own
      // backend, and the staff console through its own CloudFront origin (StaffConsole).
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: config.logRetention, removalPolicy: config.statefulRemovalPolicy });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.apiThrottle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });
    // The staff console: its files and this API behind one CloudFront distribution, and the
    // app client staff sign in with (managed login, code + PKCE).
    this.console = new StaffConsole(this, 'StaffConsole', {
      config,
      api: this.api,
      userPool: stateful.userPool,
      signInDomain: stateful.signInDomain,
    });
    // ID tokens of the staff user pool's clients (tools, and the console): they carry the seller id and the groups.
    const staffAuthorizer = new HttpUserPoolAuthorizer('StaffAuthorizer', stateful.userPool, {
      userPoolClients: [stateful.userPoolClient, this.console.client],
      identitySource: ['$request.header.Authorization'],
    });
    for (const { spec, trigger } of httpRoutes()) {
      const handler = functions[spec.name] as DisputeFunction;
      if (trigger.path === '$default') {
        // What no route matches: answered by a function, as a problem like every other refusal,
        // instead of API Gateway's own {"message":"Not Found"}.
        const fallback = new HttpRoute(this, 'DefaultRoute', {
          httpApi: this.api,
          routeKey: HttpRouteKey.DEFAULT,
          integration: new HttpLambdaIntegration(`${handler.node.id}Integration`, handler),
        });
        if (trigger.auth === 'none') Validations.of(fallback).acknowledge({ id: 'AwsSolutions-APIG4', reason: trigger.why });
        continue;
      }
      const [route] = this.api.addRoutes({
        path: trigger.path,
        methods: [trigger.method === 'GET' ? HttpMethod.GET : HttpMethod.POST],
        integration: new HttpLambdaIntegration(`${handler.node.id}Integration`, handler),
        ...(trigger.auth === 'staff-jwt' ? { authorizer: staffAuthorizer } : {}),
      });
      if (trigger.auth === 'none' && route !== undefined) {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: trigger.why });
      }
    }

    // --- Schedules -------------------------------------------------------------------------
    const scheduleDeadLetters = new Queue(this, 'ScheduleDeadLetters', {
      queueName: physicalName(config, 'schedule-dlq'),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(scheduleDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is itself the dead-letter queue of the schedules; it is alarmed on depth.',
    });
    const schedule = (name: string, rate: Duration, target: DisputeFunction) => {
      // One role per schedule, allowed to invoke exactly its target (and its versions).
      const role = new Role(this, `${name}ScheduleRole`, { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(target.node.defaultChild as CfnFunction)}.Arn>:*]`,
        reason: 'The wildcard covers the versions and aliases of this one target function only.',
      });
      return new Schedule(this, `${name}Schedule`, {
        scheduleName: physicalName(config, name),
        schedule: ScheduleExpression.rate(rate),
        target: new LambdaInvoke(target, {
          role,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(10),
          deadLetterQueue: scheduleDeadLetters,
        }),
      });
    };
    for (const spec of functionManifest as readonly FunctionSpec[]) {
      if (spec.trigger.kind === 'schedule') schedule(spec.name, config[spec.trigger.rate], functions[spec.name] as DisputeFunction);
    }

    // --- Alarms ----------------------------------------------------------------------------
    new OperationsAlarms(this, 'Alarms', {
      prefix: config.prefix,
      ...(config.fixedPhysicalNames ? { topicName: `${config.prefix}-alarms` } : {}),
      ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
      deadLetterQueues: [stateful.refundDeadLetterQueue, scheduleDeadLetters, stateful.notificationDeadLetterQueue],
      refundQueue: stateful.refundQueue,
      notificationQueue: stateful.notificationQueue,
      worker,
      functions: Object.values(this.functions),
      api: this.api,
      oldestOverdueThreshold: config.oldestOverdueAlarm,
      slaBreachesPerHourThreshold: config.slaBreachesPerHourAlarm,
      reviewBacklogThreshold: config.reviewBacklogAlarm,
    });

    const intake = functions['receive-webhook'];
    if (intake === undefined) throw new Error('The manifest has no receive-webhook function');
    new OperationsDashboard(this, 'Operations', {
      ...(config.fixedPhysicalNames ? { dashboardName: `${config.prefix}-operations` } : {}),
      api: this.api,
      refundQueue: stateful.refundQueue,
      deadLetterQueues: [stateful.refundDeadLetterQueue, scheduleDeadLetters, stateful.notificationDeadLetterQueue],
      intake,
      worker,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: stateful.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: stateful.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.url });
    new CfnOutput(this, 'SignInDomain', { value: stateful.signInDomain.baseUrl() });
    new CfnOutput(this, 'StripeSecretArn', { value: stateful.paymentSecrets.stripe.secretArn });
    new CfnOutput(this, 'ShopifyAdminTokensSecretArn', { value: stateful.paymentSecrets.shopifyAdminTokens.secretArn });
    new CfnOutput(this, 'NotificationSigningSecretsArn', { value: stateful.notificationSigningSecrets.secretArn });
    new CfnOutput(this, 'NotificationDeadLetterQueueUrl', { value: stateful.notificationDeadLetterQueue.queueUrl });
    for (const [marketplace, secret] of Object.entries(stateful.webhookSecrets)) {
      new CfnOutput(this, `WebhookSecretArn-${marketplace}`, { value: secret.secretArn });
    }
  }
}
