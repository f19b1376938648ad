import type { WebhookSecrets } from '../ports/webhook-secrets.ts';

/**
 * Secrets known at start-up (from configuration). Each marketplace maps to one secret or,
 * during a rotation, several.
 */
export class StaticWebhookSecrets implements WebhookSecrets {
  readonly #secrets: ReadonlyMap<string, readonly string[]>;

  constructor(secrets: Readonly<Record<string, string | readonly string[]>>) {
    this.#secrets = new Map(
      Object.entries(secrets).map(([marketplace, value]) => [marketplace, typeof value === 'string' ? [value] : value]),
    );
  }

  async secretsFor(marketplace: string): Promise<readonly string[] | undefined> {
    return this.#secrets.get(marketplace);
  }
}
