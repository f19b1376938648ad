import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type NotificationChannelSpec, NotificationChannelsSchema } from '../functions/lib/contract/outbound-events.ts';
import { providersNamed, type RefundRoutes, RefundRoutesSchema } from '../functions/lib/adapters/routed-payment-provider.ts';
import type { MarketplaceDefinition } from '../functions/lib/marketplaces/definition.ts';
import { marketplaceDefinitions } from '../functions/lib/marketplaces/index.ts';

/**
 * Marketplaces that may deliver webhooks, each with its own secret: `demo-market`, on the
 * canonical format, and every marketplace format in the registry (functions/lib/marketplaces/).
 */
export function webhookMarketplacesOf(definitions: readonly MarketplaceDefinition[]): readonly string[] {
  return ['demo-market', ...definitions.map((d) => d.name)];
}

/** What differs between a development and a production deployment, in one place. */
export type StageConfig = {
  readonly stage: 'dev' | 'prod';
  /** Prefix of every fixed physical name (prod) and of descriptive labels (both stages). */
  readonly prefix: string;
  /**
   * Whether resources get fixed physical names (`${prefix}-…`). Prod: yes, so operators and
   * runbooks can find them. Dev: no, CloudFormation generates them, so a dev stack can be
   * destroyed and deployed again (or replaced in place) without colliding with a name.
   */
  readonly fixedPhysicalNames: boolean;
  readonly logRetention: RetentionDays;
  /** Table, queues, secrets, user pool, API access logs. Prod: RETAIN. Dev: DESTROY. */
  readonly statefulRemovalPolicy: RemovalPolicy;
  /** Table and user pool. Prod: on. Dev: off, so `cdk destroy` really removes them. */
  readonly deletionProtection: boolean;
  /** Where alarms go. Required in prod; optional in dev (no subscription when absent). */
  readonly alarmEmail?: string;
  /** Marketplaces that may deliver webhooks; each gets its own secret. */
  readonly marketplaces: readonly string[];
  readonly escalationRate: Duration;
  /** How often refunds are reconciled with the payment providers (each run looks back two periods). */
  readonly reconciliationRate: Duration;
  /** How often the outbox relay looks for refunds a crash left unpublished. */
  readonly outboxRelayRate: Duration;
  /** How often committed notifications are handed to the notification queue (#21): their delivery latency. */
  readonly notificationRelayRate: Duration;
  /** Which marketplace is told how (signed webhooks at a URL, or Shopify's Admin API); `{}`: none is told. */
  readonly notificationChannels: Readonly<Record<string, NotificationChannelSpec>>;
  /** Base URL of the generic HTTP payment provider's refund API; required in prod when a refund route names `http`. */
  readonly paymentProviderUrl?: string;
  /** Which provider pays which refunds (per marketplace, per seller, default). Required in prod. */
  readonly refundRoutes: RefundRoutes;
  /** Refund worker: at most this many concurrent invocations, to protect the provider. */
  readonly refundWorkerMaxConcurrency: number;
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Shopify shop domain → seller id; deliveries from any other shop are refused. Required in prod. */
  readonly shopifyShops: Readonly<Record<string, string>>;
  /** Alarm when the oldest case past its deadline is older than this. */
  readonly oldestOverdueAlarm: Duration;
  /** Alarm when this many cases or more await staff (ReviewBacklog). */
  readonly reviewBacklogAlarm: number;
  /** Alarm when this many cases or more miss a staff deadline within one hour (SlaBreaches). */
  readonly slaBreachesPerHourAlarm: number;
  /**
   * The staff console's URL on a domain of your own (`-c consoleUrl=https://…/console/`), in
   * front of the distribution: a second callback and logout URL of the console's app client,
   * beside `https://<distribution>/console/` which it always has. https only, except
   * `http://localhost…` in dev (a console served by `npm start` against AWS's Cognito).
   */
  readonly consoleUrl?: string;
};

/** A stage's settings are missing or malformed: the message says which and how to give them. */
export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
}

/** The deployment settings, as given on the command line (`-c name=value`) or in cdk.json. */
export type StageSettings = {
  readonly alarmEmail?: string;
  readonly paymentProviderUrl?: string;
  /** JSON object: Shopify shop domain → seller id. */
  readonly shopifyShops?: string;
  /** JSON: which payment provider pays which refunds, e.g. `{"default":"stripe","marketplaces":{"shopify":"shopify"}}`. */
  readonly refundRoutes?: string;
  /** The console's URL; optional (see StageConfig.consoleUrl). */
  readonly consoleUrl?: string;
  /** JSON: which marketplace is told how, e.g. `{"demo-market":{"kind":"webhook","url":"https://…"},"shopify":{"kind":"shopify-admin"}}`. */
  readonly notificationChannels?: string;
};

/** Optional settings, read from the context like the required ones. */
export const OPTIONAL_SETTINGS = [
  'consoleUrl',
  'paymentProviderUrl',
  'notificationChannels',
] as const satisfies readonly (keyof StageSettings)[];

/** How to give each setting, as the error message tells it. */
export const REQUIRED_IN_PROD = {
  alarmEmail: '-c alarmEmail=<on-call address> (alarms would otherwise go to a topic nobody reads)',
  refundRoutes: `-c refundRoutes='{"default":"stripe","marketplaces":{"shopify":"shopify"}}' (which payment provider pays which refunds: stripe, shopify or http)`,
  shopifyShops: `-c shopifyShops='{"<shop>.myshopify.com":"<seller id>"}' (every Shopify delivery is refused without it)`,
} as const satisfies Record<Exclude<keyof StageSettings, 'consoleUrl' | 'paymentProviderUrl' | 'notificationChannels'>, string>;

/** How to give the generic provider's URL, when a refund route names it. */
const PAYMENT_PROVIDER_URL_HINT = '-c paymentProviderUrl=https://<payment provider refund API> (there is no production default)';

type Parsed = {
  alarmEmail?: string;
  paymentProviderUrl?: string;
  shopifyShops?: Record<string, string>;
  consoleUrl?: string;
  refundRoutes?: RefundRoutes;
  notificationChannels?: Record<string, NotificationChannelSpec>;
};

/** A console URL Cognito may redirect to: https, or http://localhost in dev; no query or fragment. */
export function checkConsoleUrl(value: string, stage: 'dev' | 'prod'): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `consoleUrl '${value}' is not a URL`;
  }
  const local = url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
  if (url.protocol !== 'https:' && !(stage === 'dev' && local)) {
    return `consoleUrl '${value}' must be https${stage === 'dev' ? ' (or http://localhost in dev)' : ' in prod'}`;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    return `consoleUrl '${value}' must have no query, fragment or credentials`;
  return undefined;
}

/** Checks each given setting; returns the parsed values and a message per bad one. */
function parse(settings: StageSettings, stage: 'dev' | 'prod'): { parsed: Parsed; problems: string[] } {
  const parsed: Parsed = {};
  const problems: string[] = [];
  if (settings.consoleUrl !== undefined) {
    const problem = checkConsoleUrl(settings.consoleUrl, stage);
    if (problem === undefined) parsed.consoleUrl = settings.consoleUrl;
    else problems.push(problem);
  }
  if (settings.alarmEmail !== undefined) {
    if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(settings.alarmEmail)) parsed.alarmEmail = settings.alarmEmail;
    else problems.push(`alarmEmail '${settings.alarmEmail}' is not an email address: ${REQUIRED_IN_PROD.alarmEmail}`);
  }
  if (settings.paymentProviderUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(settings.paymentProviderUrl);
    } catch {
      url = undefined;
    }
    if (url?.protocol === 'https:') parsed.paymentProviderUrl = settings.paymentProviderUrl;
    else problems.push(`paymentProviderUrl '${settings.paymentProviderUrl}' is not an https URL: ${PAYMENT_PROVIDER_URL_HINT}`);
  }
  if (settings.shopifyShops !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(settings.shopifyShops);
    } catch {
      value = undefined;
    }
    const isShopMap =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.entries(value).every(([shop, seller]) => shop.length > 0 && typeof seller === 'string' && seller.length > 0);
    if (isShopMap) parsed.shopifyShops = value as Record<string, string>;
    else problems.push(`shopifyShops is not a JSON object of shop domain to seller id: ${REQUIRED_IN_PROD.shopifyShops}`);
  }
  if (settings.notificationChannels !== undefined) {
    const channels = NotificationChannelsSchema.safeParse(settings.notificationChannels);
    const plainHttp = channels.success
      ? Object.entries(channels.data).filter(([, c]) => c.kind === 'webhook' && !c.url.startsWith('https://'))
      : [];
    if (channels.success && stage === 'prod' && plainHttp.length > 0)
      problems.push(`notificationChannels: ${plainHttp.map(([m]) => m).join(', ')} must be told over https in prod`);
    else if (channels.success) parsed.notificationChannels = channels.data;
    else
      problems.push(
        `notificationChannels is not a JSON object of marketplace to {"kind":"webhook","url":"https://…"} or {"kind":"shopify-admin"}: ${channels.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
  }
  if (settings.refundRoutes !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(settings.refundRoutes);
    } catch {
      value = undefined;
    }
    const routes = RefundRoutesSchema.safeParse(value);
    if (routes.success) parsed.refundRoutes = routes.data;
    else problems.push(`refundRoutes is not a routing of stripe, shopify or http providers: ${REQUIRED_IN_PROD.refundRoutes}`);
  }
  return { parsed, problems };
}

export function stageConfig(stage: string | undefined, settings: StageSettings = {}): StageConfig {
  const name = stage ?? 'dev';
  if (name !== 'dev' && name !== 'prod') throw new StageConfigError(`Unknown stage '${stage}': use -c stage=dev or -c stage=prod`);
  const { parsed, problems } = parse(settings, name);
  if (name === 'prod') {
    for (const key of Object.keys(REQUIRED_IN_PROD) as (keyof typeof REQUIRED_IN_PROD)[]) {
      if (settings[key] === undefined) problems.push(`${key} is required for stage prod: ${REQUIRED_IN_PROD[key]}`);
    }
    if (parsed.refundRoutes !== undefined && providersNamed(parsed.refundRoutes).has('http') && settings.paymentProviderUrl === undefined) {
      problems.push(`paymentProviderUrl is required for stage prod: ${PAYMENT_PROVIDER_URL_HINT}; refundRoutes names the http provider`);
    }
  }
  if (problems.length > 0)
    throw new StageConfigError(`Stage ${name} cannot be synthesized:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  switch (name) {
    case 'dev':
      return {
        stage: 'dev',
        prefix: 'dispute-desk-dev',
        fixedPhysicalNames: false,
        logRetention: RetentionDays.ONE_WEEK,
        statefulRemovalPolicy: RemovalPolicy.DESTROY,
        deletionProtection: false,
        ...(parsed.alarmEmail === undefined ? {} : { alarmEmail: parsed.alarmEmail }),
        marketplaces: webhookMarketplacesOf(marketplaceDefinitions),
        escalationRate: Duration.minutes(15),
        reconciliationRate: Duration.hours(6),
        outboxRelayRate: Duration.minutes(5),
        notificationRelayRate: Duration.minutes(1),
        notificationChannels: parsed.notificationChannels ?? {},
        paymentProviderUrl: parsed.paymentProviderUrl ?? 'https://payments.sandbox.example.com',
        refundRoutes: parsed.refundRoutes ?? { default: 'http', marketplaces: {}, sellers: {} },
        refundWorkerMaxConcurrency: 2,
        apiThrottle: { rateLimit: 50, burstLimit: 100 },
        oldestOverdueAlarm: Duration.hours(2),
        slaBreachesPerHourAlarm: 20,
        reviewBacklogAlarm: 500,
        shopifyShops: parsed.shopifyShops ?? {},
        ...(parsed.consoleUrl === undefined ? {} : { consoleUrl: parsed.consoleUrl }),
      };
    case 'prod': {
      const { alarmEmail, paymentProviderUrl, shopifyShops, refundRoutes } = parsed;
      // Checked above; narrowed here for the type.
      if (alarmEmail === undefined || refundRoutes === undefined || shopifyShops === undefined) throw new Error('unreachable');
      return {
        stage: 'prod',
        prefix: 'dispute-desk-prod',
        fixedPhysicalNames: true,
        logRetention: RetentionDays.THREE_MONTHS,
        statefulRemovalPolicy: RemovalPolicy.RETAIN,
        deletionProtection: true,
        alarmEmail,
        marketplaces: webhookMarketplacesOf(marketplaceDefinitions),
        escalationRate: Duration.minutes(5),
        reconciliationRate: Duration.hours(1),
        outboxRelayRate: Duration.minutes(2),
        notificationRelayRate: Duration.minutes(1),
        notificationChannels: parsed.notificationChannels ?? {},
        ...(paymentProviderUrl === undefined ? {} : { paymentProviderUrl }),
        refundRoutes,
        refundWorkerMaxConcurrency: 5,
        apiThrottle: { rateLimit: 500, burstLimit: 1000 },
        oldestOverdueAlarm: Duration.hours(1),
        slaBreachesPerHourAlarm: 10,
        reviewBacklogAlarm: 200,
        shopifyShops,
        ...(parsed.consoleUrl === undefined ? {} : { consoleUrl: parsed.consoleUrl }),
      };
    }
  }
}

/** `${prefix}${separator}${suffix}` where the stage fixes physical names; undefined (generated) elsewhere. */
export function physicalName(config: StageConfig, suffix: string, separator = '-'): string | undefined {
  return config.fixedPhysicalNames ? `${config.prefix}${separator}${suffix}` : undefined;
}
