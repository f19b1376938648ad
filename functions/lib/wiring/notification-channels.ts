import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { CachedSecret } from '../adapters/cached-secret.ts';
import { awsSettings, loadConfig } from '../config.ts';
import { jsonText } from '../contract/json-text.ts';
import { type NotificationChannelSpec, NotificationChannelsSchema } from '../contract/outbound-events.ts';
import { ShopifyShopsSchema } from '../marketplaces/shopify/settings.ts';
import { systemClock } from '../ports/clock.ts';
import type { NotificationChannel, NotificationChannels } from '../ports/notifications.ts';
import { traced } from '../tracing.ts';
import { once } from './once.ts';
import { CREDENTIAL_TTL_MS, shopifyAdmin } from './shopify-admin.ts';

const SigningSecretsSchema = /* @__PURE__ */ (() =>
  z.pipe(
    jsonText('{"acme":"whsec_…"}'),
    z.record(z.string(), z.string().check(z.regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'must be a Standard Webhooks secret, whsec_<base64>'))),
  ))();

/**
 * Where each marketplace is told what was decided (#21), validated at cold start:
 * NOTIFICATION_CHANNELS (which marketplace gets signed webhooks at which URL, and which is
 * answered through Shopify's Admin API), the webhook signing secrets from Secrets Manager
 * (NOTIFICATION_SIGNING_SECRETS_ARN, `{"<marketplace>":"whsec_…"}`, cached with a TTL so a
 * rotation needs no redeploy) or, locally, NOTIFICATION_SIGNING_SECRETS. A marketplace without
 * a channel gets nothing (its notifications are recorded NOT_SENT).
 */
export const notificationChannels: () => NotificationChannels = once(function buildNotificationChannels() {
  const config = loadConfig(
    z
      .object({
        ...awsSettings,
        NOTIFICATION_CHANNELS: z._default(NotificationChannelsSchema, {}),
        NOTIFICATION_SIGNING_SECRETS_ARN: z.optional(z.string().check(z.minLength(1))),
        NOTIFICATION_SIGNING_SECRETS: z.optional(SigningSecretsSchema),
        SHOPIFY_SHOPS: z.optional(ShopifyShopsSchema),
      })
      .check(
        z.refine(
          (c) =>
            !Object.values(c.NOTIFICATION_CHANNELS).some((ch) => ch.kind === 'webhook') ||
            (c.NOTIFICATION_SIGNING_SECRETS_ARN === undefined) !== (c.NOTIFICATION_SIGNING_SECRETS === undefined),
          {
            message:
              'a webhook channel needs exactly one of NOTIFICATION_SIGNING_SECRETS_ARN (AWS) or NOTIFICATION_SIGNING_SECRETS (local)',
            path: ['NOTIFICATION_SIGNING_SECRETS_ARN'],
          },
        ),
      ),
  );
  const arn = config.NOTIFICATION_SIGNING_SECRETS_ARN;
  const secretsClient = once(() => traced(new SecretsManagerClient({ region: config.AWS_REGION })));
  const secrets = new CachedSecret(
    async () =>
      arn === undefined
        ? JSON.stringify(config.NOTIFICATION_SIGNING_SECRETS ?? {})
        : ((await secretsClient().send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '{}'),
    { ttlMs: CREDENTIAL_TTL_MS, clock: systemClock },
  );
  const secretOf = (marketplace: string) => async () => {
    const parsed = z.safeParse(SigningSecretsSchema, await secrets.get());
    const secret = parsed.success ? parsed.data[marketplace] : undefined;
    if (secret === undefined) throw new Error(`No notification signing secret for marketplace ${marketplace}`);
    return secret;
  };
  const built = new Map<string, Promise<NotificationChannel>>();
  const build = async (marketplace: string, spec: NotificationChannelSpec): Promise<NotificationChannel> => {
    if (spec.kind === 'webhook') {
      const { StandardWebhookChannel } = await import('../adapters/standard-webhook-channel.ts');
      return new StandardWebhookChannel({ url: spec.url, secret: secretOf(marketplace) });
    }
    const admin = shopifyAdmin();
    const shops = config.SHOPIFY_SHOPS;
    if (admin === undefined || shops === undefined) {
      throw new Error(`Marketplace ${marketplace} is answered through Shopify's Admin API: set SHOPIFY_SHOPS and the Admin API tokens`);
    }
    const { ShopifyAdminReturnChannel } = await import('../adapters/shopify-admin-return-channel.ts');
    return new ShopifyAdminReturnChannel({
      shopOf: (sellerId) => {
        const mine = Object.entries(shops).filter(([, seller]) => seller === sellerId);
        return mine.length === 1 ? mine[0]?.[0] : undefined;
      },
      accessToken: admin.accessToken,
      ...(admin.customFetchApi === undefined ? {} : { customFetchApi: admin.customFetchApi }),
    });
  };
  return {
    async channelFor(marketplace) {
      const spec = config.NOTIFICATION_CHANNELS[marketplace];
      if (spec === undefined) return undefined;
      let channel = built.get(marketplace);
      if (channel === undefined) {
        channel = build(marketplace, spec);
        built.set(marketplace, channel);
      }
      return { channel: await channel, ...(spec.defaultLocale === undefined ? {} : { defaultLocale: spec.defaultLocale }) };
    },
  };
});
