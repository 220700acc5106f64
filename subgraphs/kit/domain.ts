/**
 * What domain code (subgraphs/<name>/domain) may import from the kit: modules free of GraphQL,
 * HTTP and metrics. A test (test/architecture.unit.test.ts) keeps domain imports to this file.
 */
export * from './user-error';
export * from './domain-errors';
export { withEm, type CallerContext, type DbContext, type DomainContext } from './domain-context';
export * from './found';
export type { InventoryPort, InventorySagaPort, ProductInfo, ProductLookup, ReserveLine, StepResult } from './ports';
export * from './passwords';
export * from './credentials';
export * from './money';
export * from './sql';
export * from './demo-ids';
export * from './projection';
export * from './saga';
export * from './validation';
export type { Identity, Role } from './auth';
export type { Logger } from './logger';
export * from './outbox';
