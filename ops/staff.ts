import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { IdentifierSchema } from '#lib/contract/return-payload.ts';
import { type StaffRole, staffRoles } from '#lib/contract/roles.ts';
import { PreconditionError, UsageError } from './errors.ts';

/**
 * Creating a staff member in the staff user pool (infra/stacks/stateful-stack.ts): an account
 * bound for good to one seller (`custom:sellerId`, immutable) with one role (the group).
 *
 * The temporary password: this command never sets, sees or prints one. Cognito generates it
 * and e-mails it to the staff member with the invitation (the pool's policy: 14+ characters,
 * valid 3 days; first sign-in forces a new password and MFA set-up). So nothing secret lands
 * in the operator's terminal, shell history or CI logs, and the operator never knows a
 * password of someone else's account.
 */

export type StaffInput = { readonly sellerId: string; readonly role: StaffRole; readonly email: string };

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Checks seller id, role and e-mail before any call; each message names the bad one. */
export function checkStaffInput(input: { seller?: string | undefined; role?: string | undefined; email?: string | undefined }): StaffInput {
  const problems: string[] = [];
  // The API refuses a token whose custom:sellerId is not an identifier (staff-claims.ts), and
  // the attribute can never be corrected: a bad one would make a dead account.
  if (input.seller === undefined) problems.push('--seller <seller id> is required');
  else if (!IdentifierSchema.safeParse(input.seller).success)
    problems.push(`--seller '${input.seller}' is not a seller id (1-128 letters, digits and . _ : -, starting with a letter or digit)`);
  if (input.role === undefined) problems.push(`--role is required: one of ${staffRoles.join(', ')}`);
  else if (!(staffRoles as readonly string[]).includes(input.role))
    problems.push(`--role '${input.role}' is not a staff role: one of ${staffRoles.join(', ')}`);
  if (input.email === undefined) problems.push('--email <address> is required (the invitation with the temporary password goes there)');
  else if (!EMAIL.test(input.email)) problems.push(`--email '${input.email}' is not an e-mail address`);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return { sellerId: input.seller as string, role: input.role as StaffRole, email: (input.email as string).toLowerCase() };
}

export type AddStaffResult = {
  /** created: a new account, invitation sent; completed: an earlier run created it but never added the group; unchanged: already there. */
  readonly outcome: 'created' | 'completed' | 'unchanged';
  /** Cognito's username (the `sub`, since the pool signs in by e-mail). */
  readonly username: string;
};

type Cognito = Pick<CognitoIdentityProviderClient, 'send'>;

/**
 * Steps: 1. AdminCreateUser (e-mail, verified; custom:sellerId; invitation by e-mail).
 * 2. AdminAddUserToGroup (the role). A run stopped between the two leaves an account with no
 * group, which the API refuses (no role claim); running the same command again finishes it.
 * An existing account of another seller or with another role is refused, never changed.
 */
export async function addStaff(input: {
  readonly cognito: Cognito;
  readonly userPoolId: string;
  readonly staff: StaffInput;
}): Promise<AddStaffResult> {
  const { cognito, userPoolId, staff } = input;
  let username: string;
  let outcome: AddStaffResult['outcome'] = 'created';
  try {
    const created = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: staff.email,
        UserAttributes: [
          { Name: 'email', Value: staff.email },
          // The invitation proves the address: whoever signs in with its password read it.
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:sellerId', Value: staff.sellerId },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      }),
    );
    username = created.User?.Username ?? staff.email;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'UsernameExistsException')) throw error;
    username = await existingAccountOf(cognito, userPoolId, staff);
    const groups = (await cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: username }))).Groups ?? [];
    const names = groups.flatMap((g) => (g.GroupName === undefined ? [] : [g.GroupName]));
    if (names.includes(staff.role)) return { outcome: 'unchanged', username };
    if (names.length > 0)
      throw new PreconditionError(`${staff.email} already has the role ${names.join(', ')}; changing a role is not done by this command`);
    outcome = 'completed';
  }
  await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: staff.role }));
  return { outcome, username };
}

/** The existing account's username, if it belongs to the same seller. */
async function existingAccountOf(cognito: Cognito, userPoolId: string, staff: StaffInput): Promise<string> {
  const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: staff.email }));
  const sellerId = user.UserAttributes?.find((a) => a.Name === 'custom:sellerId')?.Value;
  if (sellerId !== staff.sellerId) {
    throw new PreconditionError(
      `${staff.email} already has an account for ${sellerId === undefined ? 'no seller' : `seller ${sellerId}`}; the seller of an account cannot change`,
    );
  }
  return user.Username ?? staff.email;
}
