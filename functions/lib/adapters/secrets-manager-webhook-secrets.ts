import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import type { Clock } from '../ports/clock.ts';
import type { WebhookSecrets } from '../ports/webhook-secrets.ts';

/** A secret holds the current value and, during a rotation, the previous one. */
const SecretValueSchema = /* @__PURE__ */ (() =>
  z.union([
    z.string().check(z.minLength(32)),
    z.strictObject({ current: z.string().check(z.minLength(32)), previous: z.optional(z.string().check(z.minLength(32))) }),
  ]))();

const CACHE_MS = 5 * 60 * 1000;

/**
 * Webhook secrets from AWS Secrets Manager, one secret per marketplace. The set of
 * marketplaces is configuration, so an unknown marketplace answers 404 without a call to
 * Secrets Manager; values are cached for five minutes to keep the hot path local.
 */
export class SecretsManagerWebhookSecrets implements WebhookSecrets {
  readonly #client: SecretsManagerClient;
  readonly #arns: ReadonlyMap<string, string>;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { values: readonly string[]; fetchedAt: number }>();

  constructor(client: SecretsManagerClient, secretArnByMarketplace: Readonly<Record<string, string>>, clock: Clock) {
    this.#client = client;
    this.#arns = new Map(Object.entries(secretArnByMarketplace));
    this.#clock = clock;
  }

  async secretsFor(marketplace: string): Promise<readonly string[] | undefined> {
    const arn = this.#arns.get(marketplace);
    if (arn === undefined) return undefined;
    const now = this.#clock.now().getTime();
    const cached = this.#cache.get(marketplace);
    if (cached !== undefined && now - cached.fetchedAt < CACHE_MS) return cached.values;

    const out = await this.#client.send(new GetSecretValueCommand({ SecretId: arn }));
    let raw: unknown = out.SecretString;
    try {
      raw = JSON.parse(out.SecretString ?? '');
    } catch {
      // A plain string secret is allowed.
    }
    const parsed = SecretValueSchema.parse(raw);
    const values = typeof parsed === 'string' ? [parsed] : [parsed.current, ...(parsed.previous === undefined ? [] : [parsed.previous])];
    this.#cache.set(marketplace, { values, fetchedAt: now });
    return values;
  }
}
