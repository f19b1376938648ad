import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import * as z from 'zod/mini';
import { CognitoStaffDirectory } from '../adapters/cognito-staff-directory.ts';
import { StaticStaffDirectory } from '../adapters/static-staff-directory.ts';
import { awsSettings, JsonTextSchema, loadConfig } from '../config.ts';
import type { StaffDirectory } from '../ports/staff-directory.ts';
import { traced } from '../tracing.ts';
import { once } from './once.ts';

/**
 * Staff directory for assignments: the Cognito user pool in AWS (STAFF_USER_POOL_ID), or a
 * JSON object of seller id → user ids for the local runtime (STAFF_DIRECTORY). Exactly one.
 */
export const staffDirectory: () => StaffDirectory = once(function buildStaffDirectory() {
  const config = loadConfig(
    z
      .object({
        ...awsSettings,
        STAFF_USER_POOL_ID: z.optional(z.string().check(z.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a Cognito user pool id'))),
        STAFF_DIRECTORY: z.optional(
          z.pipe(JsonTextSchema, z.record(z.string().check(z.minLength(1)), z.array(z.string().check(z.minLength(1))))),
        ),
      })
      .check(
        z.refine((c) => (c.STAFF_USER_POOL_ID === undefined) !== (c.STAFF_DIRECTORY === undefined), {
          message: 'set exactly one of STAFF_DIRECTORY (local) or STAFF_USER_POOL_ID (AWS)',
          path: ['STAFF_USER_POOL_ID'],
        }),
      ),
  );
  if (config.STAFF_DIRECTORY !== undefined) return new StaticStaffDirectory(config.STAFF_DIRECTORY);
  return new CognitoStaffDirectory(
    traced(new CognitoIdentityProviderClient({ region: config.AWS_REGION })),
    config.STAFF_USER_POOL_ID ?? '',
  );
});
