/** Default ports of the local topology (DESIGN.md): the router, then every subgraph of the design. */
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

/** Subgraphs of the design not built yet (none now); they move to ServiceName when they land. */
export type PlannedServiceName = Exclude<keyof typeof PORTS, 'router' | ServiceName>;

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
