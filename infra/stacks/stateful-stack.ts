import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  ManagedLoginVersion,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Validations } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  caseTable,
  type IndexDefinition,
  type KeyAttribute,
  type QueueDefinition,
  notificationQueue,
  refundQueue,
} from '../definitions.ts';
import { physicalName, type StageConfig } from '../stage-config.ts';

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
 * What holds data: the case table, the refund queues, the marketplace webhook secrets, the
 * cursor key and the staff user pool. In prod retained on stack deletion and
 * deletion-protected; in dev destroyed with the stack, under generated names.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;
  readonly refundQueue: Queue;
  readonly refundDeadLetterQueue: Queue;
  /** Outbound notifications (#21), one message group per case. */
  readonly notificationQueue: Queue;
  readonly notificationDeadLetterQueue: Queue;
  /** Standard Webhooks signing secrets of outbound notifications, per marketplace: {"<marketplace>":"whsec_…"}. */
  readonly notificationSigningSecrets: Secret;
  readonly webhookSecrets: Readonly<Record<string, Secret>>;
  readonly userPool: UserPool;
  /** Key that signs the seller API's page cursors (tamper-proof pagination). */
  readonly cursorSigningKey: Secret;
  readonly userPoolClient: UserPoolClient;
  /** Payment providers' credentials, read by the refund worker (#16). */
  readonly paymentSecrets: { readonly stripe: Secret; readonly shopifyAdminTokens: Secret };
  /** The managed-login domain staff sign in at (the console's client is in the stateless stack). */
  readonly signInDomain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.table = new TableV2(this, 'CaseTable', {
      tableName: physicalName(config, 'cases'),
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
        queueName: physicalName(config, def.name),
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
    this.notificationDeadLetterQueue = queue(notificationQueue.deadLetter.queue);
    this.notificationQueue = queue(notificationQueue, this.notificationDeadLetterQueue);

    this.userPool = new UserPool(this, 'StaffUserPool', {
      userPoolName: `${config.prefix}-staff`,
      // Staff accounts are created by an administrator, never by sign-up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      // The seller a staff member works for: the tenant boundary. Immutable, so it is set
      // once by the administrator who creates the account and never by the user.
      customAttributes: { sellerId: new StringAttribute({ minLen: 1, maxLen: 128, mutable: false }) },
      deletionProtection: config.deletionProtection,
      removalPolicy: config.statefulRemovalPolicy,
    });
    for (const [role, precedence] of [
      ['manager', 1],
      ['supervisor', 2],
      ['agent', 3],
    ] as const) {
      new CfnUserPoolGroup(this, `StaffGroup-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        precedence,
        description: `Seller staff with ${role} authority`,
      });
    }
    this.userPoolClient = this.userPool.addClient('StaffApiClient', {
      userPoolClientName: `${config.prefix}-staff-api`,
      generateSecret: false,
      authFlows: { userSrp: true },
      // Tools and scripts sign in with SRP; no OAuth flow at all (rather than CDK's default of
      // the code and implicit flows to a placeholder callback). The staff console has its own
      // client, with the code flow and PKCE to its URL (infra/constructs/staff-console.ts).
      disableOAuth: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      preventUserExistenceErrors: true,
    });

    // Managed login, where staff sign in to the console. The prefix must be unique in the
    // region across accounts, hence the account id.
    this.signInDomain = this.userPool.addDomain('StaffSignIn', {
      cognitoDomain: { domainPrefix: `${config.prefix}-${this.account}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    this.webhookSecrets = Object.fromEntries(
      config.marketplaces.map((marketplace) => [
        marketplace,
        new Secret(this, `WebhookSecret-${marketplace}`, {
          secretName: physicalName(config, `webhook/${marketplace}`, '/'),
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
    this.cursorSigningKey = new Secret(this, 'CursorSigningKey', {
      secretName: physicalName(config, 'cursor-signing-key', '/'),
      description: 'HMAC key for the seller API page cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: config.statefulRemovalPolicy,
    });
    Validations.of(this.cursorSigningKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the cursor key only invalidates cursors already handed out (clients restart from page one); it is rotated by redeploying with a new value, no Lambda rotation needed.',
    });
    // Payment providers' credentials (#16), read by the refund worker through a 5-minute cache:
    // a rotation (put a new value) reaches it without a redeploy. Placeholders until an
    // operator puts the real ones (docs/operations.md); a route that names a provider whose
    // secret is still the placeholder fails its refunds loudly (401), it never pays.
    this.paymentSecrets = {
      stripe: new Secret(this, 'StripeSecret', {
        secretName: physicalName(config, 'payments/stripe', '/'),
        description: 'Stripe secret key for refunds: {"apiKey":"sk_live_…"}',
        generateSecretString: { secretStringTemplate: JSON.stringify({ apiKey: 'sk_live_replace_me' }), generateStringKey: 'placeholder' },
        removalPolicy: config.statefulRemovalPolicy,
      }),
      shopifyAdminTokens: new Secret(this, 'ShopifyAdminTokens', {
        secretName: physicalName(config, 'payments/shopify-admin-tokens', '/'),
        description: 'Shopify Admin API access tokens per shop: {"<shop>.myshopify.com":"shpat_…"}',
        generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'placeholder' },
        removalPolicy: config.statefulRemovalPolicy,
      }),
    };
    for (const secret of Object.values(this.paymentSecrets)) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'A payment provider credential is issued by the provider (Stripe dashboard, Shopify app install) and rotated there; the new value is put here and read within 5 minutes, which no Lambda rotation can do alone.',
      });
    }
    // Outbound notification signing secrets (#21): generated here as placeholders; an operator
    // puts each marketplace's `whsec_…` (shared with its receiver) and the worker reads it within 5 minutes.
    this.notificationSigningSecrets = new Secret(this, 'NotificationSigningSecrets', {
      secretName: physicalName(config, 'notifications/signing-secrets', '/'),
      description: 'Standard Webhooks signing secrets of outbound notifications, per marketplace: {"<marketplace>":"whsec_…"}',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'placeholder' },
      removalPolicy: config.statefulRemovalPolicy,
    });
    Validations.of(this.notificationSigningSecrets).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A notification signing secret is shared with the marketplace’s receiver and rotated together with it (Standard Webhooks accepts several signatures during the switch), which no Lambda rotation can do alone.',
    });
    for (const secret of Object.values(this.webhookSecrets)) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'A webhook secret is shared with the marketplace and rotated together with it: the new value is added as "current" and the old one kept as "previous" until the marketplace switches, which no Lambda rotation can do alone.',
      });
    }

    // Where operators find what the generated (dev) names became, e.g. for npm run redrive-refunds.
    new CfnOutput(this, 'CaseTableName', { value: this.table.tableName });
    new CfnOutput(this, 'RefundQueueUrl', { value: this.refundQueue.queueUrl });
    new CfnOutput(this, 'RefundDeadLetterQueueUrl', { value: this.refundDeadLetterQueue.queueUrl });
  }
}
