import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the two Secrets Manager operations `npm run ops -- secrets put` uses
 * (GetSecretValue, PutSecretValue), speaking the service's JSON 1.1 protocol so the real SDK
 * client talks to it. No Secrets Manager emulator is in use here; this holds versions in
 * memory and models nothing else (no staging labels beyond AWSCURRENT, no KMS, no
 * ClientRequestToken idempotency, no resource policy).
 */
export type SecretsManagerStandIn = {
  readonly endpoint: string;
  /** Every request's target, in order (e.g. `secretsmanager.GetSecretValue`). */
  readonly requests: string[];
  /** Creates a secret (optionally with a first value), returns its ARN. */
  create(name: string, secretString?: string): string;
  current(arn: string): string | undefined;
  versions(arn: string): number;
  stop(): Promise<void>;
};

export async function startSecretsManagerStandIn(): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, { name: string; versions: { id: string; value: string }[] }>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      requests.push(target);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string; SecretString?: string };
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      const secret = secrets.get(body.SecretId ?? '');
      if (secret === undefined)
        return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      const arn = body.SecretId as string;
      if (target === 'secretsmanager.GetSecretValue') {
        const latest = secret.versions.at(-1);
        if (latest === undefined)
          return reply(400, {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
          });
        return reply(200, { ARN: arn, Name: secret.name, VersionId: latest.id, SecretString: latest.value, VersionStages: ['AWSCURRENT'] });
      }
      if (target === 'secretsmanager.PutSecretValue') {
        const version = { id: randomUUID(), value: body.SecretString ?? '' };
        secret.versions.push(version);
        return reply(200, { ARN: arn, Name: secret.name, VersionId: version.id, VersionStages: ['AWSCURRENT'] });
      }
      return reply(400, { __type: 'InvalidRequestException', message: `stand-in does not implement ${target}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    create(name, secretString) {
      const arn = `arn:aws:secretsmanager:eu-west-1:000000000000:secret:${name}-AbCdEf`;
      secrets.set(arn, { name, versions: secretString === undefined ? [] : [{ id: randomUUID(), value: secretString }] });
      return arn;
    },
    current: (arn) => secrets.get(arn)?.versions.at(-1)?.value,
    versions: (arn) => secrets.get(arn)?.versions.length ?? 0,
    stop: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** The real Secrets Manager client pointed at a stand-in, with dummy credentials. */
export function clientOf(standIn: Pick<SecretsManagerStandIn, 'endpoint'>): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * A stand-in and a client on it for the calling test file: started before its tests, both
 * stopped after them. Read them through the returned object once the tests run.
 */
export function useSecretsManagerStandIn(): { readonly standIn: SecretsManagerStandIn; readonly client: SecretsManagerClient } {
  let standIn: SecretsManagerStandIn | undefined;
  let client: SecretsManagerClient | undefined;
  beforeAll(async () => {
    standIn = await startSecretsManagerStandIn();
    client = clientOf(standIn);
  });
  afterAll(async () => {
    client?.destroy();
    await standIn?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the Secrets Manager stand-in starts in beforeAll; read it inside a test');
    return value;
  };
  return {
    get standIn() {
      return started(standIn);
    },
    get client() {
      return started(client);
    },
  };
}
