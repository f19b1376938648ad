import { vi } from 'vitest';

/**
 * Setup file of the `unit` project: its tests must run with no engine, so starting one
 * directly (not through the integration project's global setup) fails at once, naming the
 * way out, instead of quietly starting a JVM inside `npm run test:unit`.
 */
vi.mock('#local/engines.ts', async function refuseEngineStarts(importOriginal) {
  const original = await importOriginal<typeof import('#local/engines.ts')>();
  // Async like the real functions, so callers see a rejection either way.
  async function refuse(): Promise<never> {
    throw new original.EngineStartError('The unit project starts no engines: move this test to test/integration/.');
  }
  return { ...original, startDynamoDbLocal: refuse, startSqsEngine: refuse };
});
