/**
 * The kit's clients of other subgraphs, for a subgraph's adapters (server.ts, loaders.ts), never for
 * its domain, which sees only the ports (kit/ports.ts through kit/domain.ts).
 */
export * from './graphql';
export * from './inventory';
export * from './products';
export * from './service-token';
export * from './callees';
