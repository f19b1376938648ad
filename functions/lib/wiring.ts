import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoDbCaseStore } from './adapters/dynamodb-case-store.ts';
import { StaticWebhookSecrets } from './adapters/static-webhook-secrets.ts';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerWebhookSecrets } from './adapters/secrets-manager-webhook-secrets.ts';
import { awsSettings, JsonRecordSchema, loadConfig, tableSettings, WebhookSecretsSchema } from './config.ts';
import type { WebhookSecrets } from './ports/webhook-secrets.ts';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsRefundQueue } from './adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from './adapters/static-policy-provider.ts';
import type { RefundQueue } from './ports/refund-queue.ts';
import { marketplacePolicies } from './policies/index.ts';
import { systemClock } from './ports/clock.ts';
import type { ReceiveWebhookDeps } from './use-cases/receive-webhook.ts';
import type { ApplyRefundDeps } from './use-cases/apply-refund.ts';
import type { RelayRefundOutboxDeps } from './use-cases/relay-refund-outbox.ts';
import { HttpPaymentProvider } from './adapters/http-payment-provider.ts';
import type { CaseStore } from './ports/case-store.ts';

/**
 * Composition root: reads configuration once, builds each SDK client once, and hands use
 * cases their ports. Entry files call one of these at module load, so a bad setting fails
 * the cold start with the variable's name.
 */

export function documentClient(config: { AWS_REGION: string; DYNAMODB_ENDPOINT?: string | undefined }) {
  const client = new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT === undefined ? {} : { endpoint: config.DYNAMODB_ENDPOINT }),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

const storeConfig = z.object({ ...awsSettings, ...tableSettings });

let store: CaseStore | undefined;
function caseStore(): CaseStore {
  if (store === undefined) {
    const config = loadConfig(storeConfig);
    store = new DynamoDbCaseStore(documentClient(config), config.TABLE_NAME);
  }
  return store;
}

/**
 * Webhook secrets: from Secrets Manager in AWS (WEBHOOK_SECRET_ARNS, one ARN per
 * marketplace), or from WEBHOOK_SECRETS for the local runtime. Exactly one must be set.
 */
const secretsConfig = z
  .object({
    ...awsSettings,
    WEBHOOK_SECRETS: WebhookSecretsSchema.optional(),
    WEBHOOK_SECRET_ARNS: JsonRecordSchema.optional(),
  })
  .refine((c) => (c.WEBHOOK_SECRETS === undefined) !== (c.WEBHOOK_SECRET_ARNS === undefined), {
    message: 'set exactly one of WEBHOOK_SECRETS (local) or WEBHOOK_SECRET_ARNS (AWS)',
    path: ['WEBHOOK_SECRET_ARNS'],
  });

function webhookSecrets(): WebhookSecrets {
  const config = loadConfig(secretsConfig);
  if (config.WEBHOOK_SECRETS !== undefined) return new StaticWebhookSecrets(config.WEBHOOK_SECRETS);
  const client = new SecretsManagerClient({ region: config.AWS_REGION });
  return new SecretsManagerWebhookSecrets(client, config.WEBHOOK_SECRET_ARNS ?? {}, systemClock);
}

const queueConfig = z.object({ ...awsSettings, REFUND_QUEUE_URL: z.url() });

let refundQueueAdapter: RefundQueue | undefined;
function refundQueue(): RefundQueue {
  if (refundQueueAdapter === undefined) {
    const config = loadConfig(queueConfig);
    const client = new SQSClient({
      region: config.AWS_REGION,
      ...(config.SQS_ENDPOINT === undefined ? {} : { endpoint: config.SQS_ENDPOINT }),
    });
    refundQueueAdapter = new SqsRefundQueue(client, config.REFUND_QUEUE_URL);
  }
  return refundQueueAdapter;
}

/** Marketplace policies ship with the code (functions/lib/policies); validated at cold start. */
const policies = new StaticPolicyProvider(marketplacePolicies);

export function receiveWebhookDeps(): ReceiveWebhookDeps {
  return { store: caseStore(), secrets: webhookSecrets(), policies, refunds: refundQueue(), clock: systemClock };
}

export function getCaseDeps(): { store: CaseStore } {
  return { store: caseStore() };
}

const paymentConfig = z.object({
  PAYMENT_PROVIDER_URL: z.url(),
  PAYMENT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
});

export function applyRefundDeps(): ApplyRefundDeps {
  const config = loadConfig(paymentConfig);
  return {
    store: caseStore(),
    payments: new HttpPaymentProvider({ baseUrl: config.PAYMENT_PROVIDER_URL, timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS }),
    clock: systemClock,
  };
}

export function relayRefundOutboxDeps(): RelayRefundOutboxDeps {
  return { store: caseStore(), refunds: refundQueue(), clock: systemClock };
}
