import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { IndexName, TableAction } from '../../functions/manifest.ts';
import { builtinAliases, ESM_REQUIRE_BANNER } from '../bundling.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type { IndexName, TableAction };

export interface DisputeFunctionProps {
  /** The function's manifest name, e.g. `receive-webhook`. */
  readonly stem: string;
  /** Its entry file from the project root and the constants esbuild fixes in it (`entryOf` in functions/manifest.ts). */
  readonly entry: { readonly path: string; readonly define: Readonly<Record<string, string>> };
  readonly description: string;
  readonly logRetention: RetentionDays;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default RemovalPolicy.DESTROY: the logs of a stateless function go with it. */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Every function of the system: Node.js 24 on arm64, bundled by esbuild into one minified
 * ESM file with the AWS SDK inside (not the runtime's copy), its own log group with a
 * retention, JSON logs, X-Ray, Powertools settings, and a role of its own that starts with
 * nothing but writing to that log group. The `bind*` methods grant exactly the actions the
 * function's code calls, on exactly the resources, and set the variable that tells it
 * where to find them.
 */
export class DisputeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: DisputeFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole, which may write to any log group.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.stem}`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    super(scope, id, {
      entry: path.join(projectRoot, props.entry.path),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'dispute-desk',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'DisputeDesk',
        // Powertools Tracer: SDK calls and fetch (the payment provider) as subsegments; never
        // a handler's response in trace metadata (answers can carry case data).
        POWERTOOLS_TRACE_ENABLED: 'true',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'true',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        minify: true,
        // Maps ship beside the bundle for offline symbolication; no runtime source-map cost.
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        define: { ...props.entry.define },
        // Bundle the SDK on purpose: a pinned, tree-shaken copy starts faster than the runtime's.
        externalModules: [],
        banner: ESM_REQUIRE_BANNER,
        // esbuild runs in the project root; see builtinAliases for why http is taken as CommonJS.
        esbuildArgs: { '--alias': Object.entries(builtinAliases()).map(([from, to]) => `${from}=${to}`) },
      },
    });
    // The log group ARN ends in `:*` (every stream of this one group), and X-Ray's
    // PutTraceSegments/PutTelemetryRecords accept no resource but `*`.
    Validations.of(role).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray trace actions do not support resource-level permissions.' },
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(logGroup.node.defaultChild as never)}.Arn>:*]`,
        reason: 'Log streams of this function’s own log group only.',
      },
    );
  }

  /**
   * Grants exactly `actions` on the table, and Query on the named indexes only, and sets
   * TABLE_NAME.
   */
  bindTable(table: ITableV2, actions: readonly TableAction[], indexes: readonly IndexName[] = []): this {
    if (actions.length > 0) {
      this.addToRolePolicy(new PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
    }
    if (indexes.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: indexes.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
    this.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }

  /** Grants GetSecretValue on each marketplace secret and passes their ARNs. */
  bindWebhookSecrets(secrets: Readonly<Record<string, ISecret>>): this {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: Object.values(secrets).map((s) => s.secretArn) }),
    );
    const arns = Object.fromEntries(Object.entries(secrets).map(([m, s]) => [m, s.secretArn]));
    this.addEnvironment('WEBHOOK_SECRET_ARNS', JSON.stringify(arns));
    return this;
  }

  /** Grants GetSecretValue on one secret and passes its ARN in `variable`. */
  bindSecret(secret: ISecret, variable: string): this {
    this.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    this.addEnvironment(variable, secret.secretArn);
    return this;
  }

  /** Grants SendMessage on a queue (SSE-SQS needs no KMS grant) and passes its URL in `variable`. */
  bindQueue(queue: IQueue, variable: string): this {
    this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    this.addEnvironment(variable, queue.queueUrl);
    return this;
  }

  /** Grants SendMessage on the refund queue (SSE-SQS needs no KMS grant) and sets REFUND_QUEUE_URL. */
  bindRefundQueue(queue: IQueue): this {
    this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    this.addEnvironment('REFUND_QUEUE_URL', queue.queueUrl);
    return this;
  }
}
