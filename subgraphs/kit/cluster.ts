import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './logger';

/**
 * The one Node cluster supervisor (router with ROUTER_WORKERS, inventory's replicas, ADR 0005): the
 * primary forks `workers` processes sharing the port, replaces one that dies (with backoff when
 * workers die right after starting, e.g. database down or port taken), and on SIGINT/SIGTERM drains
 * them all and exits: 0 when they stopped by themselves, 1 when they had to be killed.
 */
export interface SupervisorOptions {
  /** Service name, for log lines. */
  name: string;
  workers: number;
  log: Logger;
  /** How long draining workers get before they are killed (default 20 s). */
  drainTimeoutMs?: number;
  /** Runs once every worker has exited on shutdown, before the primary exits (close side servers). */
  onStopped?: () => void;
}

export interface Supervisor {
  /** True when every live worker has started listening (e.g. to answer an aggregated metrics scrape). */
  allListening: () => boolean;
  /** Number of live workers. */
  size: () => number;
}

const QUICK_DEATH_MS = 5_000;

export function superviseWorkers(opts: SupervisorOptions): Supervisor {
  const { log, name } = opts;
  const live = new Map<number, { worker: Worker; startedAt: number; listening: boolean }>();
  let shuttingDown = false;
  let quickFailures = 0;
  let finish: (() => void) | null = null;

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
      `${name} worker started`,
    );
  });

  cluster.on('exit', (worker, code, signal) => {
    const entry = live.get(worker.id);
    live.delete(worker.id);
    const details = { event: 'worker_exited', workerId: worker.id, workerPid: worker.process.pid, code, signal };
    if (shuttingDown) {
      log.info(details, `${name} worker stopped`);
      if (live.size === 0) finish?.();
      return;
    }
    const quick = !entry || !entry.listening || Date.now() - entry.startedAt < QUICK_DEATH_MS;
    quickFailures = quick ? quickFailures + 1 : 0;
    const delay = quickFailures === 0 ? 0 : Math.min(30_000, 250 * 2 ** Math.min(quickFailures, 7));
    log.error({ ...details, replaceInMs: delay }, `${name} worker died unexpectedly; starting a replacement`);
    // Not unref'd: with every worker gone, this timer is what keeps the primary alive until the
    // replacement exists.
    setTimeout(fork, delay);
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ event: 'primary_stopping', signal, workers: live.size }, `stopping ${name} workers`);
    let forcedKill = false;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
      if (live.size === 0) resolve();
    });
    for (const { worker } of live.values()) worker.process.kill('SIGTERM');
    const deadline = setTimeout(() => {
      forcedKill = true;
      for (const { worker } of live.values()) worker.process.kill('SIGKILL');
    }, opts.drainTimeoutMs ?? 20_000);
    deadline.unref();
    void done.then(() => {
      clearTimeout(deadline);
      opts.onStopped?.();
      log.info({ event: 'primary_stopped', forcedKill }, `${name} stopped`);
      process.exit(forcedKill ? 1 : 0);
    });
  };
  // `on`, not `once`: a second signal (Ctrl-C twice, or a group-wide SIGTERM plus ours) must not fall
  // back to the default action and kill the primary mid-drain.
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  for (let i = 0; i < Math.max(1, opts.workers); i++) fork();
  return {
    allListening: () => [...live.values()].every((w) => w.listening),
    size: () => live.size,
  };
}

/**
 * The worker side: stops the started service on SIGTERM/SIGINT or when the primary disappears (a
 * worker must not outlive it), and leaves anyway when draining hangs.
 */
export function runClusterWorker(log: Logger, stop: () => Promise<void>, hangTimeoutMs = 15_000): void {
  let stopping = false;
  const onStop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'worker stopping');
    setTimeout(() => process.exit(1), hangTimeoutMs).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'worker did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onStop('SIGTERM'));
  process.on('SIGINT', () => onStop('SIGINT'));
  process.once('disconnect', () => onStop('primary disconnected'));
}
