import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import { createLogger, ensureDatabase, migrate, openOrm, portFromEnv, subgraphDatabaseUrl } from '../kit';
import { entities } from './entities';
import { migrations } from './migrations';
import { seedInventory } from './seed';
import { startInventory } from './server';

/**
 * Inventory runs as a Node cluster (ADR 0005): the primary migrates (and seeds the demo data when
 * SEED_DEMO=1) once, then forks INVENTORY_REPLICAS workers that share PORT. Workers hold no state;
 * PostgreSQL keeps them correct together. The primary replaces a worker that dies, serves the
 * workers' metrics summed on METRICS_PORT, and on SIGINT/SIGTERM drains the workers and exits.
 */

const log = createLogger('inventory');
const dbUrl = subgraphDatabaseUrl('inventory');
const port = portFromEnv('inventory');

async function runPrimary(): Promise<void> {
  const replicas = Math.max(1, Number(process.env.INVENTORY_REPLICAS ?? 3) || 3);
  let shuttingDown = false;
  let failures = 0;
  const live = new Map<number, { worker: Worker; startedAt: number; listening: boolean }>();
  let metricsServer: http.Server | null = null;
  let finish: (() => void) | null = null;
  let forcedKill = false;

  const fork = () => {
    if (shuttingDown) return;
    const worker = cluster.fork();
    live.set(worker.id, { worker, startedAt: Date.now(), listening: false });
  };

  cluster.on('listening', (worker, address) => {
    const entry = live.get(worker.id);
    if (entry) entry.listening = true;
    log.info(
      { event: 'worker_started', workerId: worker.id, workerPid: worker.process.pid, port: address.port },
      'inventory worker started',
    );
  });

  cluster.on('exit', (worker, code, signal) => {
    const entry = live.get(worker.id);
    live.delete(worker.id);
    const details = { event: 'worker_exited', workerId: worker.id, workerPid: worker.process.pid, code, signal };
    if (shuttingDown) {
      log.info(details, 'inventory worker stopped');
      if (live.size === 0) finish?.();
      return;
    }
    // A worker that dies soon after starting (database down, bad config) is retried with backoff
    // instead of in a tight fork loop.
    const quick = !entry || !entry.listening || Date.now() - entry.startedAt < 5_000;
    failures = quick ? failures + 1 : 0;
    const delay = failures === 0 ? 0 : Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
    log.error({ ...details, replaceInMs: delay }, 'inventory worker died unexpectedly; starting a replacement');
    setTimeout(fork, delay).unref();
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ event: 'primary_stopping', signal, workers: live.size }, 'stopping inventory workers');
    const done = new Promise<void>((resolve) => {
      finish = resolve;
      if (live.size === 0) resolve();
    });
    for (const { worker } of live.values()) worker.process.kill('SIGTERM');
    const deadline = setTimeout(() => {
      forcedKill = true;
      for (const { worker } of live.values()) worker.process.kill('SIGKILL');
    }, 20_000);
    deadline.unref();
    void done.then(() => {
      clearTimeout(deadline);
      metricsServer?.close();
      log.info({ event: 'primary_stopped', forcedKill }, 'inventory stopped');
      process.exit(forcedKill ? 1 : 0);
    });
  };
  // `on`, not `once`: a second signal (Ctrl-C twice, or a group-wide SIGTERM plus ours) must not
  // fall back to the default action and kill the process mid-drain.
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  if (!process.env.INVENTORY_DATABASE_URL && process.env.DATABASE_URL) {
    await ensureDatabase(process.env.DATABASE_URL, 'inventory');
  }
  const orm = await openOrm({ url: dbUrl, entities, migrations, poolMax: 2 });
  try {
    await migrate(orm);
    if (process.env.SEED_DEMO === '1') {
      const seeded = await seedInventory(orm);
      log.info(seeded, 'inventory demo data seeded');
    }
  } finally {
    await orm.close();
  }

  metricsServer = serveAggregatedMetrics(() => [...live.values()].every((w) => w.listening));
  for (let i = 0; i < replicas; i++) fork();
  log.info({ event: 'primary_started', primaryPid: process.pid, replicas, port }, 'inventory primary started');
}

/** Prometheus scrapes one endpoint for all workers; counters and histograms are summed. */
function serveAggregatedMetrics(allListening: () => boolean): http.Server | null {
  const setting = process.env.METRICS_PORT;
  if (setting === 'off') return null;
  const metricsPort = setting === undefined ? port + 100 : Number(setting);
  const registry = new AggregatorRegistry();
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      // A worker still loading cannot answer yet and would stall the scrape for 5 s.
      if (!allListening()) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
        res.end('workers starting');
        return;
      }
      registry.clusterMetrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          log.error({ err }, 'collecting worker metrics failed');
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics unavailable');
        },
      );
      return;
    }
    res.writeHead(req.url === '/health/live' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/health/live' ? '{"status":"ok"}' : '{"error":"not found"}');
  });
  server.on('error', (err) => log.warn({ err, metricsPort }, 'aggregated metrics endpoint not available'));
  server.listen(metricsPort, process.env.HOST ?? '127.0.0.1', () =>
    log.info(
      { event: 'metrics_listening', metricsPort: (server.address() as { port: number }).port },
      'aggregated metrics served',
    ),
  );
  return server;
}

async function runWorker(): Promise<void> {
  // Answers the primary's metric requests with this worker's registry (the kit's, not prom-client's global).
  new AggregatorRegistry();
  const running = await startInventory({ dbUrl, port, runMigrations: false });
  AggregatorRegistry.setRegistries([running.metrics.registry]);

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    running.log.info({ reason }, 'inventory worker stopping');
    // If draining hangs (e.g. the primary is gone and the shared handle cannot be released), leave anyway.
    setTimeout(() => process.exit(1), 15_000).unref();
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        running.log.error({ err }, 'inventory worker did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The primary died: a worker must not outlive it.
  process.once('disconnect', () => stop('primary disconnected'));
}

if (cluster.isPrimary) {
  runPrimary().catch((err: unknown) => {
    log.fatal({ err }, 'inventory primary failed to start');
    process.exit(1);
  });
} else {
  runWorker().catch((err: unknown) => {
    log.fatal({ err }, 'inventory worker failed to start');
    process.exit(1);
  });
}
