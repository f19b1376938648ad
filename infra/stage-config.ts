import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** What differs between a development and a production deployment, in one place. */
export type StageConfig = {
  readonly stage: 'dev' | 'prod';
  /** Prefix of every physical name, so two stages can share an account. */
  readonly prefix: string;
  readonly logRetention: RetentionDays;
  /** Stateful resources are always retained; this only decides dev's table/queue fate. */
  readonly statefulRemovalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  /** Where alarms go; none in dev. */
  readonly alarmEmail?: string;
  /** Marketplaces that may deliver webhooks; each gets its own secret. */
  readonly marketplaces: readonly string[];
  readonly escalationRate: Duration;
  /** How often the outbox relay looks for refunds a crash left unpublished. */
  readonly outboxRelayRate: Duration;
  /** Base URL of the payment provider's refund API. */
  readonly paymentProviderUrl: string;
  /** Refund worker: at most this many concurrent invocations, to protect the provider. */
  readonly refundWorkerMaxConcurrency: number;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Shopify shop domain → seller id; deliveries from any other shop are refused. */
  readonly shopifyShops: Readonly<Record<string, string>>;
  /** Alarm when the oldest case past its deadline is older than this. */
  readonly oldestOverdueAlarm: Duration;
};

export function stageConfig(
  stage: string | undefined,
  overrides: { alarmEmail?: string; paymentProviderUrl?: string; shopifyShops?: Record<string, string> } = {},
): StageConfig {
  switch (stage ?? 'dev') {
    case 'dev':
      return {
        stage: 'dev',
        prefix: 'dispute-desk-dev',
        logRetention: RetentionDays.ONE_WEEK,
        statefulRemovalPolicy: RemovalPolicy.RETAIN,
        deletionProtection: true,
        ...(overrides.alarmEmail === undefined ? {} : { alarmEmail: overrides.alarmEmail }),
        marketplaces: ['demo-market', 'shopify'],
        escalationRate: Duration.minutes(15),
        outboxRelayRate: Duration.minutes(5),
        paymentProviderUrl: overrides.paymentProviderUrl ?? 'https://payments.sandbox.example.com',
        refundWorkerMaxConcurrency: 2,
        apiThrottle: { rateLimit: 50, burstLimit: 100 },
        oldestOverdueAlarm: Duration.hours(2),
        shopifyShops: overrides.shopifyShops ?? {},
      };
    case 'prod':
      return {
        stage: 'prod',
        prefix: 'dispute-desk-prod',
        logRetention: RetentionDays.THREE_MONTHS,
        statefulRemovalPolicy: RemovalPolicy.RETAIN,
        deletionProtection: true,
        ...(overrides.alarmEmail === undefined ? {} : { alarmEmail: overrides.alarmEmail }),
        marketplaces: ['demo-market', 'shopify'],
        escalationRate: Duration.minutes(5),
        outboxRelayRate: Duration.minutes(2),
        paymentProviderUrl: overrides.paymentProviderUrl ?? 'https://payments.example.com',
        refundWorkerMaxConcurrency: 5,
        apiThrottle: { rateLimit: 500, burstLimit: 1000 },
        oldestOverdueAlarm: Duration.hours(1),
        shopifyShops: overrides.shopifyShops ?? {},
      };
    default:
      throw new Error(`Unknown stage '${stage}': use -c stage=dev or -c stage=prod`);
  }
}
