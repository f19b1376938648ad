import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
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
import type { StageConfig } from '../stage-config.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/** Code and its wiring: functions, the HTTP API, schedules, alarms. Safe to destroy and redeploy. */
export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly functions: Readonly<Record<string, DisputeFunction>>;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const { table } = stateful;
    const fn = (stem: string, description: string, extra: { timeout?: Duration; memorySize?: number } = {}) =>
      new DisputeFunction(this, stem.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()), {
        stem,
        description,
        logRetention: config.logRetention,
        ...extra,
      });

    // Intake: reads the delivery and the case, writes them in one transaction (Put; Delete
    // for a cancelled refund's outbox record and after publishing), publishes the refund.
    const receiveWebhook = fn('receive-webhook', 'Verifies and applies signed marketplace return webhooks')
      .bindTable(table, ['GetItem', 'PutItem', 'DeleteItem'])
      .bindWebhookSecrets(stateful.webhookSecrets)
      .bindRefundQueue(stateful.refundQueue);
    receiveWebhook.addEnvironment('SHOPIFY_SHOPS', JSON.stringify(config.shopifyShops));

    // Worker: reads the case, claims and settles the refund with conditional Puts.
    const applyRefund = fn('apply-refund', 'Pays each due refund exactly once', { timeout: Duration.seconds(30) })
      .bindTable(table, ['GetItem', 'PutItem']);
    applyRefund.addEnvironment('PAYMENT_PROVIDER_URL', config.paymentProviderUrl);
    applyRefund.addEventSource(
      new SqsEventSource(stateful.refundQueue, {
        batchSize: 5,
        reportBatchItemFailures: true,
        maxConcurrency: config.refundWorkerMaxConcurrency,
      }),
    );

    // Relay: reads the sparse outbox index, publishes, deletes the outbox record.
    const relayRefundOutbox = fn('relay-refund-outbox', 'Re-publishes refunds a crash left in the outbox', {
      timeout: Duration.seconds(60),
    })
      .bindTable(table, ['DeleteItem'], ['byPendingOutbox'])
      .bindRefundQueue(stateful.refundQueue);

    // Escalation: reads the sparse deadline index (its projection is all a step needs),
    // patches each due case with a conditional UpdateItem plus history Puts, and a default
    // resolution may make a refund due (outbox Put, publish, outbox Delete). GetItem only
    // for an index entry written without escalation facts.
    const escalateStaleCases = fn('escalate-stale-cases', 'Escalates cases past their deadline', {
      timeout: Duration.seconds(60),
    })
      .bindTable(table, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], ['byOpenDeadline'])
      .bindRefundQueue(stateful.refundQueue);

    // Seller staff API: one function per route, so each holds only its route's permissions.
    const listCases = fn('list-cases', 'Lists a seller’s cases by deadline, cursor-paginated')
      .bindTable(table, [], ['bySellerDue'])
      .bindSecret(stateful.cursorSigningKey, 'CURSOR_SIGNING_KEY_ARN');
    const getCase = fn('get-case', 'Reads one case with its decision, ledger and history').bindTable(table, ['GetItem', 'Query']);
    const writesWithRefund = (stem: string, description: string) =>
      fn(stem, description).bindTable(table, ['GetItem', 'PutItem', 'DeleteItem']).bindRefundQueue(stateful.refundQueue);
    const addEvidence = writesWithRefund('add-evidence', 'Adds staff evidence and re-runs the rule chain');
    const approveDecision = writesWithRefund('approve-decision', 'Approves a decision within the caller’s authority');
    const overrideDecision = writesWithRefund('override-decision', 'Overrides a decision, with a reason');
    const addNote = fn('add-note', 'Adds a staff note to the case history').bindTable(table, ['GetItem', 'PutItem']);
    const assignCase = fn('assign-case', 'Assigns a case to a staff member of the same seller').bindTable(table, ['GetItem', 'PutItem']);
    assignCase.addToRolePolicy(new PolicyStatement({ actions: ['cognito-idp:ListUsers'], resources: [stateful.userPool.userPoolArn] }));
    assignCase.addEnvironment('STAFF_USER_POOL_ID', stateful.userPool.userPoolId);
    const getOpenapi = fn('get-openapi', 'Serves the OpenAPI document');

    this.functions = {
      receiveWebhook,
      applyRefund,
      relayRefundOutbox,
      escalateStaleCases,
      listCases,
      getCase,
      addEvidence,
      approveDecision,
      overrideDecision,
      addNote,
      assignCase,
      getOpenapi,
    };

    // --- HTTP API --------------------------------------------------------------------------
    this.api = new HttpApi(this, 'Api', {
      apiName: `${config.prefix}-api`,
      description: 'Dispute Desk: marketplace webhooks and the seller staff API',
      // No CORS: marketplaces call server to server, staff tools call with a bearer token
      // from their own backend. Add allowed origins here when a browser UI exists.
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: config.logRetention });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.apiThrottle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    const [webhookRoute] = this.api.addRoutes({
      path: '/webhooks/{marketplace}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('ReceiveWebhookIntegration', receiveWebhook),
    });
    if (webhookRoute !== undefined) {
      Validations.of(webhookRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'Marketplaces cannot present a JWT: every webhook is authenticated in code by its HMAC signature (per-marketplace secret, 5-minute replay window).',
      });
    }

    // ID tokens of the staff user pool's API client: they carry the seller id and the groups.
    const staffAuthorizer = new HttpUserPoolAuthorizer('StaffAuthorizer', stateful.userPool, {
      userPoolClients: [stateful.userPoolClient],
      identitySource: ['$request.header.Authorization'],
    });
    const staffRoutes: [HttpMethod, string, DisputeFunction][] = [
      [HttpMethod.GET, '/cases', listCases],
      [HttpMethod.GET, '/cases/{id}', getCase],
      [HttpMethod.POST, '/cases/{id}/evidence', addEvidence],
      [HttpMethod.POST, '/cases/{id}/approve', approveDecision],
      [HttpMethod.POST, '/cases/{id}/override', overrideDecision],
      [HttpMethod.POST, '/cases/{id}/notes', addNote],
      [HttpMethod.POST, '/cases/{id}/assign', assignCase],
    ];
    for (const [method, path, handler] of staffRoutes) {
      this.api.addRoutes({
        path,
        methods: [method],
        integration: new HttpLambdaIntegration(`${handler.node.id}Integration`, handler),
        authorizer: staffAuthorizer,
      });
    }
    const [openapiRoute] = this.api.addRoutes({
      path: '/openapi.json',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetOpenapiIntegration', getOpenapi),
    });
    if (openapiRoute !== undefined) {
      Validations.of(openapiRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'The OpenAPI document is public by design: it describes the contract and holds no data.',
      });
    }

    // --- Schedules -------------------------------------------------------------------------
    const scheduleDeadLetters = new Queue(this, 'ScheduleDeadLetters', {
      queueName: `${config.prefix}-schedule-dlq`,
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
        scheduleName: `${config.prefix}-${name}`,
        schedule: ScheduleExpression.rate(rate),
        target: new LambdaInvoke(target, {
          role,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(10),
          deadLetterQueue: scheduleDeadLetters,
        }),
      });
    };
    schedule('relay-refund-outbox', config.outboxRelayRate, relayRefundOutbox);
    schedule('escalate-stale-cases', config.escalationRate, escalateStaleCases);

    // --- Alarms ----------------------------------------------------------------------------
    new OperationsAlarms(this, 'Alarms', {
      prefix: config.prefix,
      ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
      deadLetterQueues: [stateful.refundDeadLetterQueue, scheduleDeadLetters],
      refundQueue: stateful.refundQueue,
      worker: applyRefund,
      functions: Object.values(this.functions),
      api: this.api,
      oldestOverdueThreshold: config.oldestOverdueAlarm,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: stateful.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: stateful.userPoolClient.userPoolClientId });
    for (const [marketplace, secret] of Object.entries(stateful.webhookSecrets)) {
      new CfnOutput(this, `WebhookSecretArn-${marketplace}`, { value: secret.secretArn });
    }
  }
}
