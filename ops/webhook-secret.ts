import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PreconditionError, UsageError } from './errors.ts';

/**
 * Writing a marketplace's webhook secret as a rotation: the new value becomes `current`, the
 * value it replaces is kept as `previous`, so deliveries the marketplace signed with the old
 * secret still verify until it switches (the receiver accepts either; see
 * functions/lib/adapters/secrets-manager-webhook-secrets.ts, which caches values for 5 min).
 * Only two slots exist: an older `previous` is dropped.
 */

/** The receiver refuses shorter values (SecretValueSchema, min 32): refuse them here first. */
export const MIN_SECRET_LENGTH = 32;
/** Secrets Manager's own limit is 65,536 bytes; no marketplace secret is near this. */
export const MAX_SECRET_LENGTH = 4096;
/** Few distinct characters means a placeholder or a typo (`aaaa…`, `0000…`), not a secret. */
const MIN_DISTINCT_CHARACTERS = 8;

export const MARKETPLACE_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function checkMarketplace(marketplace: string | undefined): string {
  if (marketplace === undefined || !MARKETPLACE_PATTERN.test(marketplace)) {
    throw new UsageError(
      `${marketplace === undefined ? 'No marketplace given' : `Marketplace '${marketplace}' is not a marketplace name`} (lower-case letters, digits and -, e.g. demo-market, shopify)`,
    );
  }
  return marketplace;
}

/**
 * The secret as typed or piped, with one trailing line break removed (what `echo` and a
 * terminal add); refuses a weak or malformed one. Messages never include the value.
 */
export function checkNewSecret(raw: string): string {
  const value = raw.replace(/\r?\n$/, '');
  if (value.length < MIN_SECRET_LENGTH)
    throw new UsageError(`The secret is too short: ${value.length} characters, at least ${MIN_SECRET_LENGTH} required`);
  if (value.length > MAX_SECRET_LENGTH)
    throw new UsageError(`The secret is too long: ${value.length} characters, at most ${MAX_SECRET_LENGTH}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(value))
    throw new UsageError('The secret contains whitespace or control characters (a paste error?): refused');
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS)
    throw new UsageError(`The secret uses fewer than ${MIN_DISTINCT_CHARACTERS} distinct characters: refused as a placeholder`);
  return value;
}

export type WebhookSecretValue = { readonly current: string; readonly previous?: string };

export type Rotation =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'rotated'; readonly value: WebhookSecretValue; readonly droppedOlderPrevious: boolean };

/**
 * The value to store. `stored` is the secret's current SecretString (undefined: none yet).
 * Putting the value that is already current changes nothing (so a repeated command cannot
 * overwrite `previous` with `current` and cut off deliveries still signed with the old one).
 */
export function rotate(stored: string | undefined, next: string): Rotation {
  const old = parseStored(stored);
  if (old?.current === next) return { kind: 'unchanged' };
  if (old === undefined) return { kind: 'rotated', value: { current: next }, droppedOlderPrevious: false };
  return {
    kind: 'rotated',
    value: { current: next, previous: old.current },
    droppedOlderPrevious: old.previous !== undefined && old.previous !== next,
  };
}

/** A stored value in any shape the receiver accepts: `{"current","previous"?}` or a plain string. */
function parseStored(stored: string | undefined): WebhookSecretValue | undefined {
  if (stored === undefined || stored === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return { current: stored };
  }
  if (typeof parsed === 'string') return { current: parsed };
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    // CDK creates the secret as {"current": <generated>}; an empty object is "no value yet".
    if (Object.keys(parsed).length === 0) return undefined;
    const { current, previous, ...other } = parsed as { current?: unknown; previous?: unknown };
    if (
      Object.keys(other).length === 0 &&
      typeof current === 'string' &&
      (previous === undefined || previous === null || typeof previous === 'string')
    ) {
      return typeof previous === 'string' ? { current, previous } : { current };
    }
  }
  // Not something the receiver can read: do not guess which part to keep.
  throw new PreconditionError(
    'The stored secret is not {"current":"…","previous":"…"} or a plain string: fix it in the console before rotating',
  );
}

export type PutWebhookSecretResult =
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'rotated'; readonly versionId: string; readonly keptPrevious: boolean; readonly droppedOlderPrevious: boolean };

/** Reads the secret, rotates, writes a new version (the old one stays as AWSPREVIOUS). */
export async function putWebhookSecret(input: {
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
  readonly secretId: string;
  readonly value: string;
}): Promise<PutWebhookSecretResult> {
  const value = checkNewSecret(input.value);
  let stored: string | undefined;
  try {
    stored = (await input.secrets.send(new GetSecretValueCommand({ SecretId: input.secretId }))).SecretString;
  } catch (error) {
    // A secret without any value yet (created elsewhere, never set) is fine; anything else is not.
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException' && /version|value/i.test(error.message))) throw error;
  }
  const rotation = rotate(stored, value);
  if (rotation.kind === 'unchanged') return { outcome: 'unchanged' };
  const out = await input.secrets.send(
    new PutSecretValueCommand({ SecretId: input.secretId, SecretString: JSON.stringify(rotation.value) }),
  );
  return {
    outcome: 'rotated',
    versionId: out.VersionId ?? 'unknown',
    keptPrevious: rotation.value.previous !== undefined,
    droppedOlderPrevious: rotation.droppedOlderPrevious,
  };
}
