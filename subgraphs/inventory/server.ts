import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import {
  buildSchema,
  hasRole,
  isService,
  isStaffManager,
  startSubgraph,
  withPermissions,
  type RunningSubgraph,
  type StartOptions,
  type SubgraphDefinition,
  type SubgraphService,
} from '../kit';
import { seedInventory } from './seed';
import { startReservationSweeper, type Sweeper } from './sweeper';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { migrations } from './migrations';
import { resolvers } from './resolvers';

export const typeDefs = parse(readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8'));

export { resolvers };

/**
 * Stock figures are public (catalogue pages show availability); the low-stock list and the audit
 * trail are for staff; stock changes need a manager (own store, checked in the domain) or head
 * office; the saga steps are for other services only.
 */
export const permissions = withPermissions({
  Query: {
    lowStock: hasRole('CLERK', 'MANAGER', 'ADMIN'),
    stockMovements: isStaffManager,
  },
  Mutation: {
    adjustStock: isStaffManager,
    reserveStock: isService,
    commitReservation: isService,
    releaseReservation: isService,
    restockOrder: isService,
  },
});

export const definition: SubgraphDefinition<Loaders> = {
  name: 'inventory',
  typeDefs,
  resolvers,
  entities,
  migrations,
  createLoaders,
  decorateSchema: permissions,
};

export const schema = buildSchema(definition);

export interface RunningInventory extends RunningSubgraph {
  sweeper: Sweeper;
}

export interface InventoryStartOptions extends StartOptions {
  /** Reservation expiry sweep interval; RESERVATION_SWEEP_INTERVAL_MS or 30 s when omitted. */
  sweepIntervalMs?: number;
}

/**
 * The subgraph plus its reservation expiry sweeper, stopped together (sweeper first, so no sweep
 * runs on a closed ORM). Used by index.ts workers and by tests that need several replicas.
 */
export async function startInventory(opts: InventoryStartOptions): Promise<RunningInventory> {
  const running = await startSubgraph(definition, opts);
  const sweeper = startReservationSweeper({
    orm: running.orm,
    log: running.log,
    metrics: running.metrics,
    intervalMs: opts.sweepIntervalMs,
  });
  const stopSubgraph = running.stop;
  let stopping: Promise<void> | null = null;
  return {
    ...running,
    sweeper,
    stop: () => (stopping ??= sweeper.stop().then(stopSubgraph)),
  };
}

export const service: SubgraphService = {
  name: 'inventory',
  definition,
  start: startInventory,
  seed: seedInventory,
};
