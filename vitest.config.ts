import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local and one fauxqs for the whole run; see test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    // Integration tests talk to real engines and spawn the runtime; generous but finite.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Handler logs are for people running the system; in tests only warnings and errors matter.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
  },
});
