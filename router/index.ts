/**
 * Starts the router: PORT (4000), ROUTER_HOST (127.0.0.1), SUPERGRAPH_FILE (schema/supergraph.graphql), <NAME>_URL overrides per subgraph
 * (comma-separated replica URLs are round-robined), KONG_SHARED_SECRET / REQUIRE_GATEWAY_SECRET.
 * ROUTER_WORKERS > 1 (or `auto`: one per CPU) runs a Node cluster of stateless router workers sharing
 * the port, supervised by the kit (subgraphs/kit/cluster.ts): a worker that dies is replaced, and
 * SIGINT/SIGTERM drains them all.
 */
import cluster from 'node:cluster';
import os from 'node:os';
import { createLogger, PORTS, runClusterWorker, runMain, stopOnSignals, superviseWorkers } from '../subgraphs/kit';
import { loadSupergraphSdl, startRouter } from './server';

/** ROUTER_WORKERS: a whole number ≥ 1, or `auto`; anything else means one process. */
function workerCount(): number {
  const raw = process.env.ROUTER_WORKERS ?? '1';
  if (raw === 'auto') return os.availableParallelism();
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

async function serve(): Promise<() => Promise<void>> {
  const file = process.env.SUPERGRAPH_FILE;
  const router = await startRouter({
    port: Number(process.env.PORT ?? PORTS.router),
    supergraphSdl: file ? loadSupergraphSdl(file) : undefined,
  });
  return router.stop;
}

const workers = workerCount();
if (workers > 1 && cluster.isPrimary) {
  superviseWorkers({ name: 'router', workers, log: createLogger('router') });
} else if (cluster.isWorker) {
  runMain('router', async () => runClusterWorker(createLogger('router'), await serve()));
} else {
  runMain('router', async () => stopOnSignals(await serve()));
}
