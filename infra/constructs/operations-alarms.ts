import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { type Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperationsAlarmsProps {
  readonly prefix: string;
  /** Subscribed to the alarm topic when given. @default no subscription */
  readonly alarmEmail?: string;
  readonly deadLetterQueues: readonly IQueue[];
  readonly refundQueue: IQueue;
  readonly worker: IFunction;
  readonly functions: readonly IFunction[];
  readonly api: HttpApi;
  readonly oldestOverdueThreshold: Duration;
}

/** Metric the escalation job publishes (EMF) for the oldest case past its deadline. */
export const OLDEST_OVERDUE_METRIC = { namespace: 'DisputeDesk', metricName: 'OldestOverdueAge' } as const;
/** Metric the escalation job publishes (EMF) for escalations that failed in a run. */
export const ESCALATION_FAILURES_METRIC = { namespace: 'DisputeDesk', metricName: 'EscalationFailures' } as const;

/**
 * What wakes someone up: money stuck (dead letters, a refund queue that stops draining, a
 * failing worker), capacity trouble (throttles), cases going stale, and the API failing its
 * callers. Every alarm goes to one encrypted SNS topic.
 */
export class OperationsAlarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key: a key of
    // our own whose policy lets CloudWatch use it.
    const key = new Key(this, 'TopicKey', {
      description: `${props.prefix} alarm topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'Topic', { topicName: `${props.prefix}-alarms`, masterKey: key, enforceSSL: true });
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (_name: string, _what: string, create: () => Alarm) => {
      const a = create();
      a.addAlarmAction(action);
      a.addOkAction(action);
      return a;
    };
    const atLeastOne = { threshold: 1, evaluationPeriods: 1, comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD };

    for (const [i, queue] of props.deadLetterQueues.entries()) {
      alarm(`DeadLetters${i}`, 'dead letters', () =>
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }).createAlarm(this, `DeadLetters${i}`, {
          ...atLeastOne,
          alarmDescription: 'Messages are dead-lettered: a refund or a scheduled run failed repeatedly and needs a person.',
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    alarm('RefundQueueAge', 'refund age', () =>
      props.refundQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }).createAlarm(this, 'RefundQueueAge', {
        threshold: 15 * 60,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        alarmDescription: 'A refund has waited more than 15 minutes on the queue: the worker or the payment provider is stuck.',
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    alarm('WorkerErrors', 'worker errors', () =>
      props.worker.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, 'WorkerErrors', {
        threshold: 3,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription: 'The refund worker is failing invocations.',
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    for (const [i, fn] of props.functions.entries()) {
      alarm(`Throttles${i}`, 'throttles', () =>
        fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, `Throttles${i}`, {
          ...atLeastOne,
          alarmDescription: `Lambda throttles on ${fn.node.id}.`,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    alarm('OldestOverdue', 'overdue', () =>
      new Metric({ ...OLDEST_OVERDUE_METRIC, dimensionsMap: { service: 'dispute-desk' }, period: Duration.minutes(15), statistic: 'Maximum' }).createAlarm(
        this,
        'OldestOverdue',
        {
          threshold: props.oldestOverdueThreshold.toSeconds(),
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          alarmDescription: 'A case has been past its deadline for too long: escalation is not keeping up.',
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ),
    );

    alarm('EscalationFailures', 'escalation failures', () =>
      new Metric({ ...ESCALATION_FAILURES_METRIC, dimensionsMap: { service: 'dispute-desk' }, period: Duration.minutes(15), statistic: 'Sum' }).createAlarm(
        this,
        'EscalationFailures',
        {
          ...atLeastOne,
          alarmDescription: 'The escalation job failed to escalate cases (not lost races: real errors).',
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ),
    );

    alarm('Api5xx', 'api 5xx', () =>
      new MathExpression({
        // Rate, not count, and only with real traffic: 5 errors out of 10 pages someone,
        // 5 out of 100,000 does not.
        expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
        usingMetrics: {
          errors: props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
          requests: props.api.metricCount({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        label: 'API 5xx %',
        period: Duration.minutes(5),
      }).createAlarm(this, 'Api5xx', {
        threshold: 1,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        alarmDescription: 'More than 1% of API requests answered 5xx for 10 minutes.',
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
