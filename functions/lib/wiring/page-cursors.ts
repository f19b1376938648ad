import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { awsSettings, ConfigurationError, loadConfig } from '../config.ts';
import { MIN_CURSOR_KEY_LENGTH, PageCursors } from '../contract/page-cursor.ts';
import { traced } from '../tracing.ts';
import { once } from './once.ts';

/**
 * The key that signs list-cases page cursors: from Secrets Manager in AWS
 * (CURSOR_SIGNING_KEY_ARN, read once at cold start, never in the template or the
 * environment), or CURSOR_SIGNING_KEY for the local runtime. Exactly one must be set.
 */
export const pageCursors: () => Promise<PageCursors> = once(async function buildPageCursors() {
  const cursorKey = z.string().check(z.minLength(MIN_CURSOR_KEY_LENGTH, `must have at least ${MIN_CURSOR_KEY_LENGTH} characters`));
  const config = loadConfig(
    z
      .object({
        ...awsSettings,
        CURSOR_SIGNING_KEY: z.optional(cursorKey),
        CURSOR_SIGNING_KEY_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
      })
      .check(
        z.refine((c) => (c.CURSOR_SIGNING_KEY === undefined) !== (c.CURSOR_SIGNING_KEY_ARN === undefined), {
          message: 'set exactly one of CURSOR_SIGNING_KEY (local) or CURSOR_SIGNING_KEY_ARN (AWS)',
          path: ['CURSOR_SIGNING_KEY_ARN'],
        }),
      ),
  );
  if (config.CURSOR_SIGNING_KEY !== undefined) return new PageCursors(config.CURSOR_SIGNING_KEY);
  const client = traced(new SecretsManagerClient({ region: config.AWS_REGION }));
  const secret = await client.send(new GetSecretValueCommand({ SecretId: config.CURSOR_SIGNING_KEY_ARN }));
  const parsed = cursorKey.safeParse(secret.SecretString);
  if (!parsed.success) throw new ConfigurationError('Invalid configuration: the cursor signing secret is too short');
  client.destroy();
  return new PageCursors(parsed.data);
});
