import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, startSqsEngine } from '#local/engines.ts';

/**
 * Starts DynamoDB Local (in memory) and fauxqs once per test run, on free ports, and hands
 * their endpoints to every test file through `inject()`. Test files isolate themselves with
 * unique table names and queue prefixes (test/support/engines.ts), so one pair of engines
 * serves the whole run and the JVM's few seconds of start-up are paid once.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    /** The Java process of the shared DynamoDB Local, for tests that check clean shutdown. */
    dynamodbPid: number;
    sqsEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamodb = await startDynamoDbLocal({});
  let sqs;
  try {
    sqs = await startSqsEngine({});
  } catch (error) {
    await dynamodb.stop();
    throw error;
  }
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  project.provide('dynamodbPid', dynamodb.pid);
  project.provide('sqsEndpoint', sqs.endpoint);

  return async function teardown() {
    // Both are stopped even if one fails; the Java stop proves the process is gone.
    const results = await Promise.allSettled([sqs.stop(), dynamodb.stop()]);
    const failure = results.find((r) => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  };
}
