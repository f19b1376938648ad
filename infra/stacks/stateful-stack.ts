import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { caseTable, type IndexDefinition, type KeyAttribute, type QueueDefinition, refundQueue } from '../definitions.ts';
import type { StageConfig } from '../stage-config.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

const attribute = (key: KeyAttribute) => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

function projection(index: IndexDefinition) {
  if (index.projection === 'ALL') return { projectionType: ProjectionType.ALL };
  if (index.projection === 'KEYS_ONLY') return { projectionType: ProjectionType.KEYS_ONLY };
  return { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection] };
}

/**
 * What holds data and must outlive any deployment: the case table, the refund queues and
 * the marketplace webhook secrets. Retained on stack deletion, deletion-protected.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;
  readonly refundQueue: Queue;
  readonly refundDeadLetterQueue: Queue;
  readonly webhookSecrets: Readonly<Record<string, Secret>>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.table = new TableV2(this, 'CaseTable', {
      tableName: `${config.prefix}-cases`,
      partitionKey: attribute(caseTable.partitionKey),
      sortKey: attribute(caseTable.sortKey),
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.deletionProtection,
      removalPolicy: config.statefulRemovalPolicy,
      timeToLiveAttribute: caseTable.timeToLiveAttribute,
      globalSecondaryIndexes: caseTable.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        ...projection(index),
      })),
    });

    const queue = (def: QueueDefinition, deadLetter?: Queue) =>
      new Queue(this, def.name.replace(/[^A-Za-z0-9]/g, ''), {
        queueName: `${config.prefix}-${def.name}`,
        fifo: def.fifo,
        ...(def.fifo
          ? { deduplicationScope: DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID }
          : {}),
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        retentionPeriod: Duration.seconds(def.retentionSeconds),
        receiveMessageWaitTime: Duration.seconds(def.receiveWaitTimeSeconds),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy: config.statefulRemovalPolicy,
        ...(deadLetter === undefined || def.deadLetter === undefined
          ? {}
          : { deadLetterQueue: { queue: deadLetter, maxReceiveCount: def.deadLetter.maxReceiveCount } }),
      });
    this.refundDeadLetterQueue = queue(refundQueue.deadLetter.queue);
    this.refundQueue = queue(refundQueue, this.refundDeadLetterQueue);

    this.webhookSecrets = Object.fromEntries(
      config.marketplaces.map((marketplace) => [
        marketplace,
        new Secret(this, `WebhookSecret-${marketplace}`, {
          secretName: `${config.prefix}/webhook/${marketplace}`,
          description: `HMAC secret for ${marketplace} webhooks: {"current":"…","previous":"…"}`,
          generateSecretString: {
            secretStringTemplate: '{}',
            generateStringKey: 'current',
            passwordLength: 48,
            excludePunctuation: true,
          },
          removalPolicy: config.statefulRemovalPolicy,
        }),
      ]),
    );
  }
}
