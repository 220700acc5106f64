/**
 * Starts the router: PORT (4000), ROUTER_HOST (127.0.0.1), SUPERGRAPH_FILE (schema/supergraph.graphql), <NAME>_URL overrides per subgraph
 * (comma-separated replica URLs are round-robined), KONG_SHARED_SECRET / REQUIRE_GATEWAY_SECRET.
 * ROUTER_WORKERS > 1 runs a Node cluster of stateless router workers sharing the port; the
 * primary replaces a worker that dies and drains them all on SIGTERM.
 */
import cluster from 'node:cluster';
import os from 'node:os';
import { createLogger, PORTS, stopOnSignals } from '../subgraphs/kit';
import { loadSupergraphSdl, startRouter } from './server';

function workerCount(): number {
  const raw = process.env.ROUTER_WORKERS ?? '1';
  if (raw === 'auto') return os.availableParallelism();
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

async function runWorker(): Promise<void> {
  const file = process.env.SUPERGRAPH_FILE;
  const router = await startRouter({
    port: Number(process.env.PORT ?? PORTS.router),
    supergraphSdl: file ? loadSupergraphSdl(file) : undefined,
  });
  stopOnSignals(router.stop);
  // A cluster worker is told to stop by its primary with a message as well as by signals.
  process.on('message', (msg) => {
    if (msg === 'shutdown') void router.stop().then(() => process.exit(0));
  });
}

function runPrimary(workers: number): void {
  const log = createLogger('router');
  let stopping = false;
  let quickFailures = 0;
  const startedAt = new Map<number, number>();
  const fork = () => {
    if (stopping) return;
    const w = cluster.fork();
    startedAt.set(w.id, Date.now());
    log.info({ event: 'worker_forked', workerPid: w.process.pid }, 'router worker started');
  };
  for (let i = 0; i < workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    // A worker that dies right after starting (bad supergraph, port taken) is replaced with
    // backoff instead of in a tight fork loop.
    const quick = Date.now() - (startedAt.get(worker.id) ?? 0) < 5_000;
    startedAt.delete(worker.id);
    quickFailures = quick ? quickFailures + 1 : 0;
    const delay = quickFailures === 0 ? 0 : Math.min(30_000, 250 * 2 ** Math.min(quickFailures, 7));
    log.error(
      { event: 'worker_exited', workerPid: worker.process.pid, code, signal, replaceInMs: delay },
      'router worker died; starting a replacement',
    );
    // Not unref'd: with every worker gone this timer is what keeps the primary alive.
    setTimeout(fork, delay);
  });
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log.info('router primary stopping workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.send('shutdown');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  // `on`, not `once`: a second signal must not kill the primary mid-drain.
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

const workers = workerCount();
if (workers > 1 && cluster.isPrimary) {
  runPrimary(workers);
} else {
  runWorker().catch((err: unknown) => {
    createLogger('router').fatal({ err }, 'router failed to start');
    process.exit(1);
  });
}
