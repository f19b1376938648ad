import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerWebhookSecrets } from '#lib/adapters/secrets-manager-webhook-secrets.ts';
import type { Clock } from '#lib/ports/clock.ts';
import { useSecretsManagerStandIn } from '#test/support/secrets-manager-stand-in.ts';

/**
 * The webhook secrets as the intake reads them in AWS: the real Secrets Manager client against
 * the protocol stand-in (test/support/secrets-manager-stand-in.ts), one secret per marketplace,
 * a plain value or `{current, previous}` during a rotation, cached for five minutes.
 */

const CURRENT = 'marketplace-webhook-secret-current-0000000001';
const PREVIOUS = 'marketplace-webhook-secret-previous-000000001';
const NEXT = 'marketplace-webhook-secret-next-00000000000001';

const secretsManager = useSecretsManagerStandIn();

/** A clock the test moves. */
function movableClock(start = Date.parse('2026-12-04T00:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

const reads = () => secretsManager.standIn.requests.filter((r) => r === 'secretsmanager.GetSecretValue').length;

describe('SecretsManagerWebhookSecrets', () => {
  it('reads a plain secret once and answers from its cache for five minutes, then reads the rotated value', async () => {
    const arn = secretsManager.standIn.create('dispute-desk/webhook/plain-market', CURRENT);
    const clock = movableClock();
    const secrets = new SecretsManagerWebhookSecrets(secretsManager.client, { 'plain-market': arn }, clock);
    const before = reads();
    expect(await secrets.secretsFor('plain-market')).toEqual([CURRENT]);
    clock.advance(4 * 60_000);
    expect(await secrets.secretsFor('plain-market')).toEqual([CURRENT]);
    expect(reads() - before).toBe(1);

    // A rotation: the new value becomes current, the old one stays valid as previous.
    await secretsManager.client.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ current: NEXT, previous: CURRENT }) }),
    );
    expect(await secrets.secretsFor('plain-market')).toEqual([CURRENT]);
    clock.advance(60_001);
    expect(await secrets.secretsFor('plain-market')).toEqual([NEXT, CURRENT]);
    expect(reads() - before).toBe(2);
  });

  it('a rotation secret gives both values, current first; one without a previous gives one', async () => {
    const both = secretsManager.standIn.create('dispute-desk/webhook/rotating', JSON.stringify({ current: CURRENT, previous: PREVIOUS }));
    const single = secretsManager.standIn.create('dispute-desk/webhook/settled', JSON.stringify({ current: CURRENT }));
    const secrets = new SecretsManagerWebhookSecrets(secretsManager.client, { rotating: both, settled: single }, movableClock());
    expect(await secrets.secretsFor('rotating')).toEqual([CURRENT, PREVIOUS]);
    expect(await secrets.secretsFor('settled')).toEqual([CURRENT]);
  });

  it('an unknown marketplace is undefined without a call; a secret too short to sign with is refused', async () => {
    const short = secretsManager.standIn.create('dispute-desk/webhook/short', 'too-short');
    const secrets = new SecretsManagerWebhookSecrets(secretsManager.client, { short }, movableClock());
    const before = reads();
    expect(await secrets.secretsFor('nobody')).toBeUndefined();
    expect(reads()).toBe(before);
    await expect(secrets.secretsFor('short')).rejects.toThrow();
  });

  it('a secret that does not exist fails the read (the intake answers 5xx and the marketplace retries)', async () => {
    const secrets = new SecretsManagerWebhookSecrets(
      secretsManager.client,
      { gone: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:missing' },
      movableClock(),
    );
    await expect(secrets.secretsFor('gone')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
