import { type CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { claimNames } from '../contract/staff-claims.ts';
import type { StaffDirectory } from '../ports/staff-directory.ts';

/**
 * Staff from the Cognito user pool that issues the seller API's tokens: a user id is the
 * token's `sub`; the user must be enabled and carry the same `custom:sellerId` attribute.
 * ListUsers with a `sub` filter works whatever the pool uses as user names.
 * IAM: cognito-idp:ListUsers on the pool.
 */
export class CognitoStaffDirectory implements StaffDirectory {
  readonly #client: CognitoIdentityProviderClient;
  readonly #userPoolId: string;

  constructor(client: CognitoIdentityProviderClient, userPoolId: string) {
    this.#client = client;
    this.#userPoolId = userPoolId;
  }

  async isStaffOf(sellerId: string, userId: string): Promise<boolean> {
    // Identifiers are validated before they get here; quotes would break the filter syntax.
    if (/["\\]/.test(userId)) return false;
    const out = await this.#client.send(new ListUsersCommand({ UserPoolId: this.#userPoolId, Filter: `sub = "${userId}"`, Limit: 1 }));
    const user = out.Users?.[0];
    if (user === undefined || user.Enabled === false) return false;
    return user.Attributes?.some((a) => a.Name === claimNames.sellerId && a.Value === sellerId) === true;
  }
}
