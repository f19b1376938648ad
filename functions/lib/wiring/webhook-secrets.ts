import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { SecretsManagerWebhookSecrets } from '../adapters/secrets-manager-webhook-secrets.ts';
import { StaticWebhookSecrets } from '../adapters/static-webhook-secrets.ts';
import { awsSettings, JsonRecordSchema, loadConfig, WebhookSecretsSchema } from '../config.ts';
import { systemClock } from '../ports/clock.ts';
import type { WebhookSecrets } from '../ports/webhook-secrets.ts';
import { traced } from '../tracing.ts';
import { once } from './once.ts';

/**
 * Webhook secrets: from Secrets Manager in AWS (WEBHOOK_SECRET_ARNS, one ARN per
 * marketplace), or from WEBHOOK_SECRETS for the local runtime. Exactly one must be set.
 */
export const webhookSecrets: () => WebhookSecrets = once(function buildWebhookSecrets() {
  const config = loadConfig(
    z
      .object({
        ...awsSettings,
        WEBHOOK_SECRETS: z.optional(WebhookSecretsSchema),
        WEBHOOK_SECRET_ARNS: z.optional(JsonRecordSchema),
      })
      .check(
        z.refine((c) => (c.WEBHOOK_SECRETS === undefined) !== (c.WEBHOOK_SECRET_ARNS === undefined), {
          message: 'set exactly one of WEBHOOK_SECRETS (local) or WEBHOOK_SECRET_ARNS (AWS)',
          path: ['WEBHOOK_SECRET_ARNS'],
        }),
      ),
  );
  if (config.WEBHOOK_SECRETS !== undefined) return new StaticWebhookSecrets(config.WEBHOOK_SECRETS);
  const client = traced(new SecretsManagerClient({ region: config.AWS_REGION }));
  return new SecretsManagerWebhookSecrets(client, config.WEBHOOK_SECRET_ARNS ?? {}, systemClock);
});
