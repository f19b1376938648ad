import { staffRoles } from '#lib/contract/roles.ts';
import { parseArgs } from 'node:util';

import { signDevToken } from './dev-auth.ts';

/**
 * `npm run token -- --seller S1 --role agent [--user u1] [--expires 1h]`
 *
 * Prints a development staff token for the local runtime's seller API, signed with the dev
 * key in local/dev-secrets.ts. Use it as `Authorization: Bearer <token>`.
 */

const usage = `Usage: npm run token -- --seller <sellerId> --role <${staffRoles.join('|')}> [--user <userId>] [--expires <1h|15m|...>]

  --seller S     seller id (the custom:sellerId claim)
  --role R       ${staffRoles.join(', ')} (the cognito:groups claim)
  --user U       user id (the sub claim; default: <role>-1)
  --expires E    lifetime (default 1h)
  -h, --help     this text`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      seller: { type: 'string' },
      role: { type: 'string' },
      user: { type: 'string' },
      expires: { type: 'string', default: '1h' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (values.seller === undefined || values.seller === '') fail('--seller is required.');
if (values.role === undefined || !(staffRoles as readonly string[]).includes(values.role)) {
  fail(`--role must be one of ${staffRoles.join(', ')}.`);
}
if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(values.seller)) fail('--seller must contain only letters, digits and . _ : -');
const user = values.user ?? `${values.role}-1`;
if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(user)) fail('--user must contain only letters, digits and . _ : -');

let token: string;
try {
  token = await signDevToken({ sellerId: values.seller, role: values.role, userId: user, expiresIn: values.expires });
} catch (error) {
  fail(`Could not sign: ${(error as Error).message}`);
}
process.stdout.write(`${token}\n`);
