import { randomBytes } from 'node:crypto';

/** Default ports of the local topology (docs/architecture.md): the router, then every subgraph. */
export const PORTS = {
  router: 4000,
  products: 4001,
  inventory: 4002,
  ecommerce: 4003,
  retail: 4004,
  reports: 4005,
} as const;

/** The subgraphs that exist (subgraphs/registry.ts lists each with its entry point). */
export type ServiceName = 'products' | 'inventory' | 'ecommerce' | 'retail' | 'reports';

/**
 * This subgraph's database URL: <NAME>_DATABASE_URL, else DATABASE_URL's server with the
 * database named after the subgraph.
 */
export function subgraphDatabaseUrl(name: ServiceName): string {
  const own = process.env[`${name.toUpperCase()}_DATABASE_URL`];
  if (own) return own;
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error(`${name.toUpperCase()}_DATABASE_URL or DATABASE_URL must be set`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  return u.toString();
}

export function portFromEnv(name: ServiceName): number {
  return Number(process.env.PORT ?? PORTS[name]);
}

/**
 * A number setting from the environment, read once at start: `fallback` when unset or empty. A value
 * that is not a finite number of at least `min` (0) fails the start, so a typo is found at once;
 * `lenient` settings fall back to `fallback` instead.
 */
export function numberFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  opts: { min?: number; lenient?: boolean } = {},
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const min = opts.min ?? 0;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= min) return n;
  if (opts.lenient) return fallback;
  throw new Error(`${name} must be ${min === 0 ? 'a non-negative number' : `a number of at least ${min}`}; got ${raw}`);
}

/**
 * A test-only fault switch (CHECKOUT_FAULT, SALE_FAULT): one of `faults`, or null when unset. An
 * unknown value fails the start, and so does any fault under NODE_ENV=production.
 */
export function faultFromEnv<F extends string>(env: NodeJS.ProcessEnv, name: string, faults: readonly F[]): F | null {
  const fault = env[name]?.trim() || null;
  if (fault === null) return null;
  if (!(faults as readonly string[]).includes(fault)) throw new Error(`unknown ${name} ${fault}`);
  if (env.NODE_ENV === 'production') throw new Error(`${name} is refused in production`);
  return fault as F;
}

/** This process's name in saga leases: unique per process, also across hosts. */
export function processInstanceId(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}
