import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).
import en from 'zod/v4/locales/en.js';
import { jsonText } from './contract/json-text.ts';

// zod/mini loads no error messages of its own; these are the English ones classic zod loads.
z.config(en());

/** Raised at cold start when a setting is missing or malformed; names every bad variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * Validates the environment against a schema once, at module load, and fails loudly.
 * Lambda entry files and the local runtime share this, so a typo in a variable name is a
 * start-up failure with the variable's name, not a 500 on the first request.
 */
export function loadConfig<S extends z.core.$ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = z.safeParse(schema, env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Settings every function shares: where the AWS services are and who we are. */
export const awsSettings = {
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  /** Set only for local engines; in AWS the SDK finds the regional endpoint itself. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  SQS_ENDPOINT: z.optional(z.url()),
};

export const tableSettings = {
  TABLE_NAME: z.string().check(z.minLength(3), z.maxLength(255)),
};

/** A setting holding JSON text, parsed; the schemas below and the wiring pipe it into their shape. */
export const JsonTextSchema = /* @__PURE__ */ jsonText();

const MarketplaceIdSchema = /* @__PURE__ */ (() =>
  z.string().check(z.regex(/^[a-z0-9-]{1,64}$/, 'marketplace ids are lowercase letters, digits and -')))();

/** JSON object of marketplace id → HMAC secret (at least 32 characters each). */
export const WebhookSecretsSchema = /* @__PURE__ */ (() =>
  z.pipe(JsonTextSchema, z.record(MarketplaceIdSchema, z.string().check(z.minLength(32)))))();

/** JSON object of marketplace id → string (e.g. a secret ARN). */
export const JsonRecordSchema = /* @__PURE__ */ (() =>
  z.pipe(JsonTextSchema, z.record(MarketplaceIdSchema, z.string().check(z.minLength(1)))))();
