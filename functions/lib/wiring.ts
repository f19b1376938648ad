import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { DynamoDbCaseStore } from './adapters/dynamodb-case-store.ts';
import { StaticWebhookSecrets } from './adapters/static-webhook-secrets.ts';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerWebhookSecrets } from './adapters/secrets-manager-webhook-secrets.ts';
import { awsSettings, ConfigurationError, JsonRecordSchema, loadConfig, tableSettings, WebhookSecretsSchema } from './config.ts';
import type { WebhookSecrets } from './ports/webhook-secrets.ts';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsRefundQueue } from './adapters/sqs-refund-queue.ts';
import { StaticPolicyProvider } from './adapters/static-policy-provider.ts';
import type { RefundQueue } from './ports/refund-queue.ts';
import { marketplacePolicies } from './decision/marketplace-policies.ts';
import { MarketplaceConfigSchema, marketplaceRegistry } from './marketplaces/index.ts';
import { systemClock } from './ports/clock.ts';
import type { ReceiveWebhookDeps } from './use-cases/receive-webhook.ts';
import type { ApplyRefundDeps } from './use-cases/apply-refund.ts';
import type { RelayRefundOutboxDeps } from './use-cases/relay-refund-outbox.ts';
import { HttpPaymentProvider } from './adapters/http-payment-provider.ts';
import type { CaseStore } from './ports/case-store.ts';
import { DynamoDbDueCases } from './adapters/dynamodb-due-cases.ts';
import type { EscalateStaleCasesDeps, EscalateStaleCasesOptions } from './use-cases/escalate-stale-cases.ts';

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

/** Marketplace policies ship with the code (functions/lib/decision/marketplace-policies.ts); validated at cold start. */
const policies = new StaticPolicyProvider(marketplacePolicies);

export function receiveWebhookDeps(): ReceiveWebhookDeps {
  // Marketplace formats and their settings (e.g. SHOPIFY_SHOPS), validated at cold start.
  const marketplaces = marketplaceRegistry(loadConfig(MarketplaceConfigSchema));
  return { store: caseStore(), secrets: webhookSecrets(), policies, refunds: refundQueue(), clock: systemClock, marketplaces };
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

/**
 * escalate-stale-cases: the case store, the due index and the refund queue, plus the
 * per-run bounds. ESCALATION_BATCH_LIMIT caps cases per run (the rest wait for the next
 * run); ESCALATION_TIME_RESERVE_MS is the time left at which no new case is started.
 */
const escalationConfig = z.object({
  ...awsSettings,
  ...tableSettings,
  ESCALATION_BATCH_LIMIT: z.coerce.number().int().min(1).max(10_000).default(500),
  ESCALATION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  ESCALATION_TIME_RESERVE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
});

export function escalateStaleCasesDeps(): {
  deps: EscalateStaleCasesDeps;
  settings: Pick<EscalateStaleCasesOptions, 'limit' | 'concurrency' | 'reserveMs'>;
} {
  const config = loadConfig(escalationConfig);
  return {
    deps: {
      store: caseStore(),
      dueCases: new DynamoDbDueCases(documentClient(config), config.TABLE_NAME),
      policies,
      refunds: refundQueue(),
      clock: systemClock,
    },
    settings: { limit: config.ESCALATION_BATCH_LIMIT, concurrency: config.ESCALATION_CONCURRENCY, reserveMs: config.ESCALATION_TIME_RESERVE_MS },
  };
}

/* ------------------------------------------------------------------ seller staff API */
// Imports of this section sit here so the section can be read (and merged) on its own.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoStaffDirectory } from './adapters/cognito-staff-directory.ts';
import { DynamoDbCaseListing } from './adapters/dynamodb-case-listing.ts';
import { StaticStaffDirectory } from './adapters/static-staff-directory.ts';
import { MIN_CURSOR_KEY_LENGTH, PageCursors } from './contract/page-cursor.ts';
import type { StaffDirectory } from './ports/staff-directory.ts';
import type { AddEvidenceDeps } from './use-cases/add-evidence.ts';
import type { AddNoteDeps } from './use-cases/add-note.ts';
import type { ApproveDecisionDeps } from './use-cases/approve-decision.ts';
import type { AssignCaseDeps } from './use-cases/assign-case.ts';
import type { ListCasesDeps } from './use-cases/list-cases.ts';
import type { OverrideDecisionDeps } from './use-cases/override-decision.ts';
import type { StaffCommandDeps } from './use-cases/staff-case-command.ts';

/**
 * list-cases: the bySellerDue index and the key that signs page cursors: from Secrets
 * Manager in AWS (CURSOR_SIGNING_KEY_ARN, read once at cold start, never in the template or
 * the environment), or CURSOR_SIGNING_KEY for the local runtime. Exactly one must be set.
 */
const cursorKey = z.string().min(MIN_CURSOR_KEY_LENGTH, `must have at least ${MIN_CURSOR_KEY_LENGTH} characters`);
const listingConfig = z
  .object({
    ...awsSettings,
    ...tableSettings,
    CURSOR_SIGNING_KEY: cursorKey.optional(),
    CURSOR_SIGNING_KEY_ARN: z.string().startsWith('arn:').optional(),
  })
  .refine((c) => (c.CURSOR_SIGNING_KEY === undefined) !== (c.CURSOR_SIGNING_KEY_ARN === undefined), {
    message: 'set exactly one of CURSOR_SIGNING_KEY (local) or CURSOR_SIGNING_KEY_ARN (AWS)',
    path: ['CURSOR_SIGNING_KEY_ARN'],
  });

export async function listCasesDeps(): Promise<ListCasesDeps> {
  const config = loadConfig(listingConfig);
  let key = config.CURSOR_SIGNING_KEY;
  if (key === undefined) {
    const client = new SecretsManagerClient({ region: config.AWS_REGION });
    const secret = await client.send(new GetSecretValueCommand({ SecretId: config.CURSOR_SIGNING_KEY_ARN }));
    const parsed = cursorKey.safeParse(secret.SecretString);
    if (!parsed.success) throw new ConfigurationError('Invalid configuration: the cursor signing secret is too short');
    key = parsed.data;
    client.destroy();
  }
  return {
    listing: new DynamoDbCaseListing(documentClient(config), config.TABLE_NAME),
    cursors: new PageCursors(key),
  };
}

function staffCommandDeps(): StaffCommandDeps {
  return { store: caseStore(), policies, clock: systemClock };
}

export function addEvidenceDeps(): AddEvidenceDeps {
  return { ...staffCommandDeps(), refunds: refundQueue() };
}

export function approveDecisionDeps(): ApproveDecisionDeps {
  return { ...staffCommandDeps(), refunds: refundQueue() };
}

export function overrideDecisionDeps(): OverrideDecisionDeps {
  return { ...staffCommandDeps(), refunds: refundQueue() };
}

export function addNoteDeps(): AddNoteDeps {
  return staffCommandDeps();
}

/**
 * Staff directory for assignments: the Cognito user pool in AWS (STAFF_USER_POOL_ID), or a
 * JSON object of seller id → user ids for the local runtime (STAFF_DIRECTORY). Exactly one.
 */
const staffDirectoryConfig = z
  .object({
    ...awsSettings,
    STAFF_USER_POOL_ID: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a Cognito user pool id').optional(),
    STAFF_DIRECTORY: z
      .string()
      .transform((raw, ctx) => {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string().min(1), z.array(z.string().min(1))))
      .optional(),
  })
  .refine((c) => (c.STAFF_USER_POOL_ID === undefined) !== (c.STAFF_DIRECTORY === undefined), {
    message: 'set exactly one of STAFF_DIRECTORY (local) or STAFF_USER_POOL_ID (AWS)',
    path: ['STAFF_USER_POOL_ID'],
  });

function staffDirectory(): StaffDirectory {
  const config = loadConfig(staffDirectoryConfig);
  if (config.STAFF_DIRECTORY !== undefined) return new StaticStaffDirectory(config.STAFF_DIRECTORY);
  return new CognitoStaffDirectory(new CognitoIdentityProviderClient({ region: config.AWS_REGION }), config.STAFF_USER_POOL_ID ?? '');
}

export function assignCaseDeps(): AssignCaseDeps {
  return { ...staffCommandDeps(), staff: staffDirectory() };
}
