import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '#lib/config.ts';
import { once } from '#lib/wiring/once.ts';

describe('once', () => {
  it('builds on the first call and hands every later call the same value', () => {
    const build = vi.fn(() => ({ client: 'built' }));
    const get = once(build);
    expect(build).not.toHaveBeenCalled();
    expect(get()).toBe(get());
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('keeps nothing from a build that throws, so every call names the bad setting', () => {
    const build = vi.fn((): string => {
      throw new ConfigurationError('Invalid configuration: TABLE_NAME: required');
    });
    const get = once(build);
    expect(get).toThrow(/TABLE_NAME/);
    expect(get).toThrow(/TABLE_NAME/);
    expect(build).toHaveBeenCalledTimes(2);
  });
});

describe('entry files build their dependencies at cold start', () => {
  // Builders keep what they built for the life of the process: a fresh module graph per case.
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  function environment(settings: Record<string, string | undefined>): void {
    const names = [
      'TABLE_NAME',
      'REFUND_QUEUE_URL',
      'WEBHOOK_SECRETS',
      'WEBHOOK_SECRET_ARNS',
      'PAYMENT_PROVIDER_URL',
      'CURSOR_SIGNING_KEY',
      'CURSOR_SIGNING_KEY_ARN',
      'STAFF_DIRECTORY',
      'STAFF_USER_POOL_ID',
      'SHOPIFY_SHOPS',
    ];
    for (const name of names) vi.stubEnv(name, settings[name]);
    vi.stubEnv('AWS_REGION', 'eu-central-1');
  }

  it('a missing setting fails the import, naming it', async () => {
    environment({ TABLE_NAME: 'DisputeDesk-unit-Cases' });
    await expect(import('../../functions/relay-refund-outbox/index.ts')).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(/REFUND_QUEUE_URL/),
    });
  });

  it('a malformed setting fails the import, naming it', async () => {
    environment({ TABLE_NAME: 'DisputeDesk-unit-Cases', PAYMENT_PROVIDER_URL: 'not a url' });
    // Matched by name: the import's fresh module graph has its own ConfigurationError class.
    await expect(import('../../functions/apply-refund/index.ts')).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(/PAYMENT_PROVIDER_URL/),
    });
  });

  it('a function needs only the settings of what it builds: get-case loads with TABLE_NAME alone', async () => {
    environment({ TABLE_NAME: 'DisputeDesk-unit-Cases' });
    const { handler } = await import('../../functions/get-case/index.ts');
    expect(handler).toBeTypeOf('function');
  });
});
