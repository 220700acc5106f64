import cluster from 'node:cluster';
import type http from 'node:http';
import {
  createLogger,
  ensureOwnDatabase,
  migrate,
  openOrm,
  portFromEnv,
  runClusterWorker,
  runMain,
  subgraphDatabaseUrl,
  superviseWorkers,
} from '../kit';
import { serveAggregatedMetrics, workerMetrics } from './cluster-metrics';
import { entities } from './entities';
import { migrations } from './migrations';
import { seedInventory } from './seed';
import { startInventory } from './server';

/**
 * Inventory runs as a Node cluster (ADR 0005): the primary migrates (and seeds the demo data when
 * SEED_DEMO=1) once, then the kit's supervisor forks INVENTORY_REPLICAS workers that share PORT,
 * replaces one that dies and drains them on SIGINT/SIGTERM. Workers hold no state; PostgreSQL keeps
 * them correct together. The primary also serves the workers' metrics summed on METRICS_PORT.
 */

const log = createLogger('inventory');
const dbUrl = subgraphDatabaseUrl('inventory');
const port = portFromEnv('inventory');

async function runPrimary(): Promise<void> {
  const replicas = Math.max(1, Number(process.env.INVENTORY_REPLICAS ?? 3) || 3);
  await ensureOwnDatabase(dbUrl, log);
  const orm = await openOrm({ url: dbUrl, entities, migrations, poolMax: 2 });
  try {
    await migrate(orm);
    if (process.env.SEED_DEMO === '1') log.info(await seedInventory(orm), 'inventory demo data seeded');
  } finally {
    await orm.close();
  }

  let metricsServer: http.Server | null = null;
  const workers = superviseWorkers({
    name: 'inventory',
    workers: replicas,
    log,
    onStopped: () => metricsServer?.close(),
  });
  metricsServer = serveAggregatedMetrics({ port, log, allListening: workers.allListening });
  log.info({ event: 'primary_started', primaryPid: process.pid, replicas, port }, 'inventory primary started');
}

async function runWorker(): Promise<void> {
  const metrics = workerMetrics();
  const running = await startInventory({ dbUrl, port, runMigrations: false });
  metrics.use(running.metrics.registry);
  runClusterWorker(running.log, running.stop);
}

runMain('inventory', cluster.isPrimary ? runPrimary : runWorker);
