import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Builders keep what they built for the life of the process: a fresh module graph per case,
// so the spy sits on the same tracer the builder imports.
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
  vi.restoreAllMocks();
});

async function spyOnCapture() {
  const { tracer } = await import('#lib/tracing.ts');
  return vi.spyOn(tracer, 'captureAWSv3Client');
}

describe('every AWS SDK client a wiring builder makes is captured by the tracer', () => {
  it('DynamoDB (the client under the document client)', async () => {
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('TABLE_NAME', 'DisputeDesk-unit-Cases');
    const capture = await spyOnCapture();
    const { dynamoDbTable } = await import('#lib/wiring/dynamodb.ts');
    const table = dynamoDbTable();
    expect(capture).toHaveBeenCalledTimes(1);
    const captured = capture.mock.calls[0]?.[0];
    expect(captured).toBeInstanceOf(DynamoDBClient);
    // The document client shares the captured client's middleware stack.
    expect(table.client.middlewareStack).toBe((captured as DynamoDBClient).middlewareStack);
  });

  it('SQS (the refund queue)', async () => {
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('REFUND_QUEUE_URL', 'https://sqs.eu-central-1.amazonaws.com/123456789012/refunds.fifo');
    const capture = await spyOnCapture();
    const { refundQueue } = await import('#lib/wiring/refund-queue.ts');
    refundQueue();
    expect(capture).toHaveBeenCalledTimes(1);
    expect(capture.mock.calls[0]?.[0]).toBeInstanceOf(SQSClient);
  });

  it('Secrets Manager (webhook secrets)', async () => {
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('WEBHOOK_SECRETS', undefined);
    vi.stubEnv('WEBHOOK_SECRET_ARNS', JSON.stringify({ 'demo-market': 'arn:aws:secretsmanager:eu-central-1:1:secret:x' }));
    const capture = await spyOnCapture();
    const { webhookSecrets } = await import('#lib/wiring/webhook-secrets.ts');
    webhookSecrets();
    expect(capture).toHaveBeenCalledTimes(1);
    expect(capture.mock.calls[0]?.[0]).toBeInstanceOf(SecretsManagerClient);
  });

  it('Cognito (the staff directory)', async () => {
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('STAFF_DIRECTORY', undefined);
    vi.stubEnv('STAFF_USER_POOL_ID', 'eu-central-1_abc123');
    const capture = await spyOnCapture();
    const { staffDirectory } = await import('#lib/wiring/staff-directory.ts');
    staffDirectory();
    expect(capture).toHaveBeenCalledTimes(1);
    expect(capture.mock.calls[0]?.[0]).toBeInstanceOf(CognitoIdentityProviderClient);
  });

  it('local stand-ins build no client, so nothing is captured', async () => {
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('STAFF_USER_POOL_ID', undefined);
    vi.stubEnv('STAFF_DIRECTORY', JSON.stringify({ 'seller-1': ['user-1'] }));
    const capture = await spyOnCapture();
    const { staffDirectory } = await import('#lib/wiring/staff-directory.ts');
    staffDirectory();
    expect(capture).not.toHaveBeenCalled();
  });
});

describe('tracing switches itself on in Lambda only', () => {
  it('is off outside Lambda (no AWS_EXECUTION_ENV), as in tests and the local runtime', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', undefined);
    const { tracer } = await import('#lib/tracing.ts');
    expect(tracer.isTracingEnabled()).toBe(false);
  });

  it('is off in Lambda when POWERTOOLS_TRACE_ENABLED=false', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    const { tracer } = await import('#lib/tracing.ts');
    expect(tracer.isTracingEnabled()).toBe(false);
  });
});

describe('the payment provider’s fetch calls are recorded', () => {
  it('a refund request opens a subsegment named after the provider host, with the answer status', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ reference: 'ref-1' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
      vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');
      // No daemon: the emitter sends UDP to a closed local port, which is harmless.
      vi.stubEnv('AWS_XRAY_DAEMON_ADDRESS', '127.0.0.1:2000');
      const { tracer } = await import('#lib/tracing.ts');
      expect(tracer.isTracingEnabled()).toBe(true);
      const { Segment } = await import('aws-xray-sdk-core');
      const segment = new Segment('apply-refund-test');
      const { HttpPaymentProvider } = await import('#lib/adapters/http-payment-provider.ts');
      const { port } = server.address() as AddressInfo;
      const provider = new HttpPaymentProvider({ baseUrl: `http://127.0.0.1:${port}/v1` });
      // What captureLambdaHandler does in Lambda: the invocation's segment is the active context.
      const receipt = await tracer.provider.getNamespace().runPromise(async () => {
        tracer.setSegment(segment);
        return provider.refund({ caseId: 'c-1', marketplace: 'm1', sellerId: 's1', amount: 1000, currency: 'EUR', idempotencyKey: 'k-1' });
      });
      expect(receipt.providerReference).toBe('ref-1');
      const subsegments = (segment.subsegments ?? []).map((s) => s.toJSON() as Record<string, unknown>);
      expect(subsegments).toHaveLength(1);
      expect(subsegments[0]).toMatchObject({
        name: '127.0.0.1',
        namespace: 'remote',
        http: { request: { method: 'POST', url: `http://127.0.0.1/v1/refunds` }, response: { status: 201 } },
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
