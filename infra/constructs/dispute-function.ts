import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type TableAccess = 'GetItem' | 'PutItem' | 'UpdateItem' | 'ConditionCheckItem' | 'Query' | 'DeleteItem';

export interface DisputeFunctionProps {
  /** Stem shared by the function folder, the use case and the CDK id, e.g. `receive-webhook`. */
  readonly stem: string;
  readonly description: string;
  readonly logRetention: RetentionDays;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default RemovalPolicy.DESTROY: logs of a stateless function go with it. */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Every function of the system: Node.js 24 on arm64, bundled by esbuild into one minified
 * ESM file with the AWS SDK inside (not the runtime's copy), its own log group with a
 * retention, JSON logs and Powertools settings. The `bind*` methods grant exactly the
 * actions the function's code calls and set the variable that tells it where to find them.
 */
export class DisputeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: DisputeFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(projectRoot, 'functions', props.stem, 'index.ts'),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'dispute-desk',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'DisputeDesk',
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
        // Bundle the SDK on purpose: a pinned, tree-shaken copy starts faster than the runtime's.
        externalModules: [],
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  }

  /** Grants exactly `actions` on the table and its indexes, and sets TABLE_NAME. */
  bindTable(table: ITableV2, actions: readonly TableAccess[]): this {
    table.grant(this, ...actions.map((a) => `dynamodb:${a}`));
    this.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }

  /** Grants GetSecretValue on each marketplace secret and passes their ARNs. */
  bindWebhookSecrets(secrets: Readonly<Record<string, ISecret>>): this {
    for (const secret of Object.values(secrets)) secret.grantRead(this);
    const arns = Object.fromEntries(Object.entries(secrets).map(([m, s]) => [m, s.secretArn]));
    this.addEnvironment('WEBHOOK_SECRET_ARNS', JSON.stringify(arns));
    return this;
  }
}
