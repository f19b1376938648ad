/**
 * Where the per-marketplace webhook secrets come from. More than one secret may be valid
 * while a secret is being rotated. `undefined` means the marketplace is not known.
 */
export interface WebhookSecrets {
  secretsFor(marketplace: string): Promise<readonly string[] | undefined>;
}
