/**
 * Prints a development JWT for calling the supergraph by hand (Apollo Sandbox, curl):
 *
 *   npm run token -- --role ADMIN
 *   npm run token -- --role MANAGER --store store-1 --sub emp-0001
 *   npm run token -- --role CUSTOMER --sub cust-0001 --ttl 86400
 *
 * Signed with JWT_SECRET (or the kit's development secret). Refused when NODE_ENV=production:
 * production tokens come from login / staffLogin only.
 */
import { MAX_TOKEN_LIFETIME_SECONDS, ROLES, signToken, type Identity, type Role } from '../subgraphs/kit';

const USAGE =
  'usage: npm run token -- --role <CUSTOMER|CLERK|MANAGER|ADMIN|SERVICE> [--sub <id>] [--store <store-id>] [--ttl <seconds>]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(1);
}

export function parseArgs(argv: string[]): { identity: Identity; ttl: number } {
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const m = /^--(role|sub|store|ttl)(?:=(.*))?$/.exec(arg);
    if (!m) fail(`unknown argument ${arg}`);
    const value = m[2] ?? argv[(i += 1)];
    if (value === undefined || value.startsWith('--')) fail(`--${m[1]} needs a value`);
    opts.set(m[1] as string, value);
  }
  const role = opts.get('role')?.toUpperCase();
  if (!role) fail('--role is required');
  if (!ROLES.includes(role as Role)) fail(`unknown role ${role}`);
  const max = MAX_TOKEN_LIFETIME_SECONDS[role as Role];
  const ttl = Number(opts.get('ttl') ?? Math.min(3600, max));
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > max) fail(`--ttl must be 1 to ${max} seconds for ${role}`);
  const identity: Identity = { sub: opts.get('sub') ?? `dev-${role.toLowerCase()}`, role: role as Role };
  const store = opts.get('store');
  if (store) identity.storeId = store;
  if ((role === 'CLERK' || role === 'MANAGER') && !store) {
    process.stderr.write(`note: a ${role} token usually carries --store (e.g. store-1)\n`);
  }
  return { identity, ttl };
}

function main(): void {
  if (process.env.NODE_ENV === 'production') fail('refusing to mint a development token with NODE_ENV=production');
  const { identity, ttl } = parseArgs(process.argv.slice(2));
  process.stdout.write(`${signToken(identity, ttl)}\n`);
}

if (require.main === module) main();
