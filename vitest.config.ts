import { defineConfig } from 'vitest/config';

/**
 * Two projects so the engine-free tests never pay for (or depend on) the engines:
 * - `unit`: test/unit and test/infra. No global setup, so no JVM and no fauxqs start;
 *   `npm run test:unit` runs only this project.
 * - `integration`: test/integration, with the global setup that starts one DynamoDB Local
 *   and one fauxqs for the run (test/global-setup.ts) and provides their endpoints.
 * The root config declares no globalSetup on purpose: vitest always runs the root
 * project's global setup, whichever projects are selected.
 */
export default defineConfig({
  test: {
    // Integration tests talk to real engines and spawn the runtime; generous but finite.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Handler logs are for people running the system; in tests only warnings and errors matter.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'], setupFiles: ['test/support/engine-free.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
