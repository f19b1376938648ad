import { describe, expect, it } from 'vitest';
import { EngineStartError, startDynamoDbLocal, startSqsEngine } from '#local/engines.ts';
import { dynamoClient, EnginesNotStartedError, sqsClient } from '#test/support/engines.ts';

/**
 * The unit project runs without test/global-setup.ts. A test that needs an engine but sits
 * here must fail loudly, naming where it belongs, never reach for AWS or start a JVM.
 */
describe('the unit project has no engines', () => {
  it('refuses engine clients, since no global setup provided their endpoints', () => {
    expect(() => dynamoClient()).toThrow(EnginesNotStartedError);
    expect(() => sqsClient()).toThrow(/Move the file to test\/integration\//);
  });

  it('refuses to start DynamoDB Local or fauxqs directly (test/support/engine-free.ts)', async () => {
    await expect(startDynamoDbLocal({})).rejects.toBeInstanceOf(EngineStartError);
    await expect(startSqsEngine({})).rejects.toThrow(/move this test to test\/integration\//);
  });
});
