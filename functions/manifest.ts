import type { StaffRole } from './lib/contract/roles.ts';
import type { caseTable } from '../infra/definitions.ts';

/**
 * Every function of the system, once: what triggers it, who may call it, what it is granted.
 *
 * The CDK stacks (infra/stacks/stateless-stack.ts), the local runtime (local/functions.ts),
 * the staff permission table (functions/lib/workflow/permissions.ts), the OpenAPI document
 * (functions/lib/http/openapi.ts) and the infra tests all read this list instead of keeping
 * copies. Adding a staff write is one entry here (with its `command`: the OpenAPI operation),
 * its command in functions/lib/use-cases/staff-commands.ts (body and domain function), and the
 * domain function in functions/lib/workflow/.
 *
 * Pure data: no CDK, SDK or zod import, so every reader (and every Lambda bundle that
 * reaches the permission table) can afford it.
 */

/** The DynamoDB actions a function's code may call; TransactWriteItems is authorised per action. */
export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem' | 'Query';

export type IndexName = (typeof caseTable.globalSecondaryIndexes)[number]['indexName'];

const everyone: readonly StaffRole[] = ['agent', 'supervisor', 'manager'];

/** Who may call a staff route: the action's name (in 403 messages and docs) and its roles. */
export type StaffPermission = { readonly action: `cases:${string}`; readonly roles: readonly StaffRole[] };

export type HttpTrigger = {
  readonly kind: 'http';
  /** `ANY` only with the `$default` path. */
  readonly method: 'GET' | 'POST' | 'ANY';
  /** API Gateway route path, e.g. `/cases/{id}`; `$default` takes what no route matches. */
  readonly path: string;
} & (
  | {
      /** Staff routes: API Gateway's JWT authorizer first, then the permission in code. */
      readonly auth: 'staff-jwt';
      readonly permission: StaffPermission;
    }
  | {
      /** Routes without a JWT, and why that is right (cdk-nag's APIG4 acknowledgement). */
      readonly auth: 'none';
      readonly why: string;
    }
);

export type SqsTrigger = {
  readonly kind: 'sqs';
  /** infra/definitions.ts's refundQueue or notificationQueue. */
  readonly queue: 'refund' | 'notification';
  /** Messages per invocation, 1–10. */
  readonly batchSize: number;
};

export type ScheduleTrigger = {
  readonly kind: 'schedule';
  /** The stage setting that holds the rate (infra/stage-config.ts). */
  readonly rate: 'outboxRelayRate' | 'escalationRate' | 'reconciliationRate' | 'notificationRelayRate';
};

/** What a function's code reaches besides its own logs; each becomes an IAM grant and a variable. */
export type Access = {
  readonly table?: { readonly actions: readonly TableAction[]; readonly indexes?: readonly IndexName[] };
  /** SendMessage on the refund queue (REFUND_QUEUE_URL). */
  readonly refundQueue?: true;
  /** SendMessage on the notification queue (NOTIFICATION_QUEUE_URL; its consumer also changes message visibility, for backoff). */
  readonly notificationQueue?: true;
  /** GetSecretValue on every marketplace's webhook secret (WEBHOOK_SECRET_ARNS). */
  readonly webhookSecrets?: true;
  /** GetSecretValue on the cursor signing key (CURSOR_SIGNING_KEY_ARN). */
  readonly cursorSigningKey?: true;
  /** cognito-idp:ListUsers on the staff user pool (STAFF_USER_POOL_ID). */
  readonly staffDirectory?: true;
  /** GetSecretValue on marketplace and payment provider credentials: Stripe's key (STRIPE_SECRET_ARN), Shopify's Admin API tokens (SHOPIFY_ADMIN_TOKENS_ARN). */
  readonly credentials?: readonly ('stripe' | 'shopifyAdminTokens' | 'notificationSigningSecrets')[];
  /** Stage settings passed as variables. */
  readonly settings?: readonly ('SHOPIFY_SHOPS' | 'PAYMENT_PROVIDER_URL' | 'REFUND_ROUTES' | 'NOTIFICATION_CHANNELS')[];
};

/**
 * A staff write run by the one staff command entry (functions/staff-command/index.ts): the
 * command of the same name in camelCase in functions/lib/use-cases/staff-commands.ts (its body
 * and domain function), and its operation in openapi.json.
 */
export type StaffCommandSpec = {
  readonly summary: string;
  readonly description: string;
  /** Component name of its body in openapi.json, e.g. `NoteRequest`. */
  readonly body: string;
  /** An absent or empty body counts as `{}` (approve takes an optional comment). */
  readonly bodyOptional?: true;
};

export type FunctionSpec = {
  /**
   * The CDK id (PascalCase), the Lambda name, and the folder of its entry file under functions/
   * (for a staff command: its command's name, in camelCase).
   */
  readonly name: string;
  readonly description: string;
  readonly trigger: HttpTrigger | SqsTrigger | ScheduleTrigger;
  /** Set for a staff write: it runs the shared staff command entry, not a folder of its own. */
  readonly command?: StaffCommandSpec;
  readonly access: Access;
  /** @default 10 s for HTTP, 30 s for SQS, 60 s for schedules */
  readonly timeoutSeconds?: number;
  /** Why it needs what it is granted, for a reviewer of the IAM policy. */
  readonly grantsBecause?: string;
};

/** A staff write: read the case, write it with its history, and queue a refund it made due. */
const staffWriteWithRefund: Access = { table: { actions: ['GetItem', 'PutItem', 'DeleteItem'] }, refundQueue: true };
const staffWrite: Access = { table: { actions: ['GetItem', 'PutItem'] } };

const staffRoute = <const A extends `cases:${string}`>(
  method: 'GET' | 'POST',
  path: string,
  action: A,
  roles: readonly StaffRole[] = everyone,
) => ({
  kind: 'http' as const,
  method,
  path,
  auth: 'staff-jwt' as const,
  permission: { action, roles },
});

export const functionManifest = [
  {
    name: 'receive-webhook',
    description: 'Verifies and applies signed marketplace return webhooks',
    trigger: {
      kind: 'http',
      method: 'POST',
      path: '/webhooks/{marketplace}',
      auth: 'none',
      why: 'Marketplaces cannot present a JWT: every webhook is authenticated in code by its HMAC signature (per-marketplace secret, 5-minute replay window).',
    },
    access: {
      table: { actions: ['GetItem', 'Query', 'PutItem', 'DeleteItem', 'ConditionCheckItem'] },
      webhookSecrets: true,
      refundQueue: true,
      // Shopify's Admin API completes a new Shopify case from its order (#16).
      credentials: ['shopifyAdminTokens'],
      settings: ['SHOPIFY_SHOPS'],
    },
    grantsBecause:
      'Reads the delivery and the case (GetItem) and the events held for a return not yet received (Query on its partition); writes case, history, delivery and outbox in one transaction (Put; Delete for a cancelled refund, consumed held events and after publishing; ConditionCheck that nothing was held meanwhile); publishes the refund; reads the Shopify Admin API tokens to complete a new Shopify case from its order.',
  },
  {
    name: 'apply-refund',
    description: 'Pays each due refund exactly once',
    trigger: { kind: 'sqs', queue: 'refund', batchSize: 5 },
    access: {
      table: { actions: ['GetItem', 'PutItem'] },
      credentials: ['stripe', 'shopifyAdminTokens'],
      settings: ['PAYMENT_PROVIDER_URL', 'REFUND_ROUTES', 'SHOPIFY_SHOPS'],
    },
    timeoutSeconds: 30,
    grantsBecause:
      'Reads the case, claims and settles the refund with conditional Puts; reads the Stripe key and the Shopify Admin API tokens for the providers its routes name.',
  },
  {
    name: 'relay-refund-outbox',
    description: 'Re-publishes refunds a crash left in the outbox',
    trigger: { kind: 'schedule', rate: 'outboxRelayRate' },
    access: { table: { actions: ['DeleteItem'], indexes: ['byPendingOutbox'] }, refundQueue: true },
    timeoutSeconds: 60,
    grantsBecause: 'Reads the sparse outbox index, publishes, deletes the outbox record.',
  },
  {
    name: 'relay-notifications',
    description: 'Hands committed notifications to the notification queue, in order per case (#21)',
    trigger: { kind: 'schedule', rate: 'notificationRelayRate' },
    access: { table: { actions: ['UpdateItem'], indexes: ['byUnqueuedNotification'] }, notificationQueue: true },
    timeoutSeconds: 60,
    grantsBecause: 'Reads the sparse unqueued-notification index, publishes each, then takes it out of the index (UpdateItem REMOVE).',
  },
  {
    name: 'deliver-notifications',
    description: 'Tells the marketplace and the buyer what was decided: signed webhooks, or Shopify’s Admin API (#21)',
    trigger: { kind: 'sqs', queue: 'notification', batchSize: 10 },
    access: {
      table: { actions: ['GetItem', 'Query', 'UpdateItem', 'PutItem'] },
      notificationQueue: true,
      credentials: ['notificationSigningSecrets', 'shopifyAdminTokens'],
      settings: ['NOTIFICATION_CHANNELS', 'SHOPIFY_SHOPS'],
    },
    timeoutSeconds: 30,
    grantsBecause:
      'Reads the case’s notifications (Query on its partition) and its marketplace’s subscription (GetItem); records each attempt with a conditional UpdateItem plus a history Put, and an unsubscription (Put); sets its message’s visibility for backoff; reads the signing secrets and the Shopify Admin API tokens.',
  },
  {
    name: 'reconcile-refunds',
    description: 'Compares the refunds paid with each payment provider’s own record',
    trigger: { kind: 'schedule', rate: 'reconciliationRate' },
    access: {
      table: { actions: ['GetItem', 'UpdateItem', 'PutItem'], indexes: ['byRefundPaid'] },
      credentials: ['stripe', 'shopifyAdminTokens'],
      settings: ['SHOPIFY_SHOPS'],
    },
    timeoutSeconds: 300,
    grantsBecause:
      'Reads the sparse paid-refunds index; for a mismatch reads the case and appends a history event with a conditional UpdateItem plus a history Put; reads the Stripe key and the Shopify Admin API tokens to list their refunds.',
  },
  {
    name: 'escalate-stale-cases',
    description: 'Escalates cases past their deadline',
    trigger: { kind: 'schedule', rate: 'escalationRate' },
    access: { table: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], indexes: ['byOpenDeadline'] }, refundQueue: true },
    timeoutSeconds: 60,
    grantsBecause:
      'Reads the sparse deadline index (its projection is all a step needs), patches each due case with a conditional UpdateItem plus history Puts; a default resolution may make a refund due (outbox Put, publish, outbox Delete). GetItem only for an index entry written without escalation facts.',
  },
  {
    name: 'list-cases',
    description: 'Lists a seller’s cases by deadline, cursor-paginated',
    trigger: staffRoute('GET', '/cases', 'cases:list'),
    access: { table: { actions: [], indexes: ['bySellerDue'] }, cursorSigningKey: true },
  },
  {
    name: 'get-case',
    description: 'Reads one case with its decision, ledger and history',
    trigger: staffRoute('GET', '/cases/{id}', 'cases:read'),
    access: { table: { actions: ['GetItem', 'Query'] } },
  },
  {
    name: 'get-case-history',
    description: 'Reads one page of a case’s history, newest page first',
    trigger: staffRoute('GET', '/cases/{id}/history', 'cases:read'),
    access: { table: { actions: ['GetItem', 'Query'] } },
  },
  {
    name: 'add-evidence',
    description: 'Adds staff evidence and re-runs the rule chain',
    trigger: staffRoute('POST', '/cases/{id}/evidence', 'cases:add-evidence'),
    command: {
      summary: 'Add evidence and decide again',
      description:
        'Evidence is recorded as submitted by SELLER. While the case is open to a decision the rule chain runs again and the new decision is recorded (DECISION_MADE); a refund it makes due is queued.',
      body: 'AddEvidenceRequest',
    },
    access: staffWriteWithRefund,
  },
  {
    name: 'approve-decision',
    description: 'Approves a decision within the caller’s authority',
    trigger: staffRoute('POST', '/cases/{id}/approve', 'cases:approve'),
    command: {
      summary: 'Approve the recommended remedy',
      description:
        'A refund within your role’s authority limit (policy, per currency) becomes due and is queued (REFUND_PENDING); above it, 403 naming the limit. When the case carries a `recommendation` (new facts after a staff decision), approving confirms that recommendation instead: its remedy and amount are settled (a refund still held is withdrawn; on a case already refunded only the difference above what was paid is queued, and a recommendation at or below it is refused with 409).',
      body: 'ApproveRequest',
      bodyOptional: true,
    },
    access: staffWriteWithRefund,
  },
  {
    name: 'override-decision',
    description: 'Overrides a decision, with a reason',
    // Overriding the rule chain is a supervisor's or a manager's call.
    trigger: staffRoute('POST', '/cases/{id}/override', 'cases:override', ['supervisor', 'manager']),
    command: {
      summary: 'Override the decision with another remedy',
      description: 'Needs a reason; refund remedies need an amount, never above the amount paid and within your authority.',
      body: 'OverrideRequest',
    },
    access: staffWriteWithRefund,
  },
  {
    name: 'add-note',
    description: 'Adds a staff note to the case history',
    trigger: staffRoute('POST', '/cases/{id}/notes', 'cases:add-note'),
    command: {
      summary: 'Add a note to the history',
      description: 'The note is stored in the case history and never logged.',
      body: 'NoteRequest',
    },
    access: staffWrite,
  },
  {
    name: 'record-return-shipment',
    description: 'Records the return parcel (carrier, tracking, scans) (#15)',
    trigger: staffRoute('POST', '/cases/{id}/return-shipment', 'cases:record-return-shipment'),
    // A refund released by it goes through the outbox like any other.
    command: {
      summary: 'Record the return parcel (carrier, tracking, scans)',
      description:
        'The buyer’s parcel back to the seller. A refund held for the goods is released when its condition is met (a trusted buyer’s at the first carrier scan). A cancelled or closed case: 409.',
      body: 'ReturnShipmentRequest',
    },
    access: staffWriteWithRefund,
  },
  {
    name: 'record-return-receipt',
    description: 'Records the receipt of the returned goods (#15)',
    trigger: staffRoute('POST', '/cases/{id}/return-receipt', 'cases:record-return-receipt'),
    // A refund released by it goes through the outbox like any other.
    command: {
      summary: 'Record that the returned goods arrived',
      description:
        'Releases a refund held until receipt (policy default), through the outbox and the worker. Before any return shipment is known, where the policy requires one: 409; a cancelled or closed case: 409.',
      body: 'ReturnReceiptRequest',
      bodyOptional: true,
    },
    access: staffWriteWithRefund,
  },
  {
    name: 'record-inspection',
    description: 'Records the inspection of what came back (#15)',
    trigger: staffRoute('POST', '/cases/{id}/inspection', 'cases:record-inspection'),
    // A refund released by it goes through the outbox like any other.
    command: {
      summary: 'Record what the inspection of the returned goods found',
      description:
        'The rule chain decides again with the outcome as evidence: full refund when as sent, itemised deductions from policy for use or damage (by condition grade) and missing parts, review when it is not the item sent. A cancelled or closed case: 409.',
      body: 'InspectionRequest',
    },
    access: staffWriteWithRefund,
  },
  {
    name: 'record-claim-filing',
    description: 'Records that the carrier claim was filed, with the carrier’s reference (#19)',
    trigger: staffRoute('POST', '/cases/{id}/carrier-claim/filing', 'cases:record-claim-filing'),
    command: {
      summary: 'Record that the carrier claim was filed',
      description:
        'The claim opened when the decision put cost on the carrier (case.carrierClaim, TO_FILE) moves to FILED with the carrier’s reference. After its fileBy deadline, or for a claim not TO_FILE: 409; a case without a claim: 409.',
      body: 'ClaimFilingRequest',
    },
    access: staffWrite,
  },
  {
    name: 'record-claim-outcome',
    description: 'Records the carrier’s answer to a filed claim: paid or denied (#19)',
    // A denial moves the carrier's share onto the seller: a supervisor's or a manager's call.
    trigger: staffRoute('POST', '/cases/{id}/carrier-claim/outcome', 'cases:record-claim-outcome', ['supervisor', 'manager']),
    command: {
      summary: 'Record the carrier’s answer to a filed claim',
      description:
        'PAID with what the carrier paid (at most the amount claimed; the shortfall stays with the seller), or DENIED: the carrier’s share moves back to the seller in the ledger. A claim not FILED: 409.',
      body: 'ClaimOutcomeRequest',
    },
    access: staffWrite,
  },
  {
    name: 'appeal-decision',
    description: 'Decides the one appeal of a decided case, within the appeal window (#19)',
    // Roles are checked against the deciding one in the domain: the appeal goes to a role above it.
    trigger: staffRoute('POST', '/cases/{id}/appeal', 'cases:appeal', ['supervisor', 'manager']),
    // A top-up it makes due goes through the outbox like any other refund.
    command: {
      summary: 'Decide the appeal of a decided case (once)',
      description:
        'A DECIDED, REJECTED or REFUNDED case may be appealed once, within the policy’s appeal window (appeals.windowDays after the decision), by a role above the one that decided (403 otherwise). The new outcome may change the remedy, as an override does. Money already paid is never paid again: on a refunded case only the difference above what was paid is queued, once; asking no more than was paid upholds the decision. A second appeal, or one after the window: 409.',
      body: 'OverrideRequest',
    },
    access: staffWriteWithRefund,
  },
  {
    name: 'recovery-report',
    description: 'Reports who paid in the end: buyer made whole vs who bore the cost, claims by deadline (#19)',
    trigger: staffRoute('GET', '/reports/recovery', 'cases:report'),
    access: { table: { actions: ['GetItem'], indexes: ['bySellerDue'] } },
    grantsBecause: 'Reads the seller’s partition of bySellerDue (bounded), then each case in range (GetItem, bounded).',
  },
  {
    name: 'assign-case',
    description: 'Assigns a case to a staff member of the same seller',
    // Anyone may assign; an agent only takes a case for themself or releases their own.
    trigger: staffRoute('POST', '/cases/{id}/assign', 'cases:assign'),
    command: {
      summary: 'Assign the case to a staff member of your seller, or release it',
      description: 'Agents take unassigned cases for themselves and release their own; supervisors and managers assign anyone.',
      body: 'AssignRequest',
    },
    access: { ...staffWrite, staffDirectory: true },
  },
  {
    name: 'route-not-found',
    description: 'Answers a request that matches no route: 404 as application/problem+json',
    trigger: {
      kind: 'http',
      method: 'ANY',
      path: '$default',
      auth: 'none',
      why: 'API Gateway sends here only requests that match no route, authenticated or not; it reads nothing and answers 404.',
    },
    access: {},
  },
  {
    name: 'get-openapi',
    description: 'Serves the OpenAPI document',
    trigger: {
      kind: 'http',
      method: 'GET',
      path: '/openapi.json',
      auth: 'none',
      why: 'The OpenAPI document is public by design: it describes the contract and holds no data.',
    },
    access: {},
  },
] as const satisfies readonly FunctionSpec[];

export type FunctionName = (typeof functionManifest)[number]['name'];
export type HttpFunctionName = Extract<(typeof functionManifest)[number], { trigger: { kind: 'http' } }>['name'];

/** Timeout by trigger unless the entry says otherwise. */
export function timeoutSecondsOf(spec: FunctionSpec): number {
  return spec.timeoutSeconds ?? { http: 10, sqs: 30, schedule: 60 }[spec.trigger.kind];
}

/** The HTTP routes, as `METHOD /path`. */
export function httpRoutes(): { spec: FunctionSpec; trigger: HttpTrigger }[] {
  return (functionManifest as readonly FunctionSpec[]).flatMap((spec) =>
    spec.trigger.kind === 'http' ? [{ spec, trigger: spec.trigger }] : [],
  );
}

/** A staff command's export in functions/lib/use-cases/staff-commands.ts: its name in camelCase (`add-note` → `addNote`). */
export function commandExportOf(name: string): string {
  return name.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase());
}

/** Where the staff command entry is, from the project root. */
export const STAFF_COMMAND_ENTRY = 'functions/staff-command/index.ts';

/**
 * A function's entry file (from the project root) and the constants the bundler fixes in it.
 * Every staff write shares one entry; its bundle is told which command it runs and what it is
 * granted, so esbuild keeps that command alone and drops the clients it does not use.
 */
export function entryOf(spec: FunctionSpec): { readonly path: string; readonly define: Readonly<Record<string, string>> } {
  if (spec.command === undefined) return { path: `functions/${spec.name}/index.ts`, define: {} };
  return {
    path: STAFF_COMMAND_ENTRY,
    define: {
      'process.env.STAFF_COMMAND_NAME': JSON.stringify(spec.name),
      'process.env.STAFF_COMMAND': JSON.stringify(commandExportOf(spec.name)),
      'process.env.STAFF_COMMAND_REFUNDS': JSON.stringify(String(spec.access.refundQueue === true)),
      'process.env.STAFF_COMMAND_STAFF_DIRECTORY': JSON.stringify(String(spec.access.staffDirectory === true)),
    },
  };
}

/** API Gateway's route key of an HTTP trigger: `METHOD /path`, or `$default` for the catch-all. */
export function routeKeyOf(trigger: HttpTrigger): string {
  return trigger.path === '$default' ? '$default' : `${trigger.method} ${trigger.path}`;
}

/** CDK construct id of a function: its name in PascalCase (`receive-webhook` → `ReceiveWebhook`). */
export function constructIdOf(name: string): string {
  return name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
}
