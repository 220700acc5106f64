import type { DomainContext } from './domain-context';
import { startSubgraph, type RunningSubgraph, type StartOptions, type SubgraphDefinition } from './server';

/** Background work a subgraph runs beside its HTTP server (a PeriodicTask, inventory's sweeper). */
export interface Stoppable {
  /** Ends the work and waits for a pass in progress. */
  stop: () => Promise<void>;
}

/**
 * Starts a subgraph (kit startSubgraph), then its background work, which `start` builds on the running
 * subgraph (its ORM, metrics, log); returns both with one stop that ends the background work first,
 * waiting for passes in progress, and the subgraph after, so that no pass runs on a closed ORM.
 * Stopping twice stops once.
 */
export async function startWithBackground<L, D extends DomainContext, B extends Record<string, Stoppable | null>>(
  definition: SubgraphDefinition<L, D>,
  opts: StartOptions,
  start: (running: RunningSubgraph) => B,
): Promise<RunningSubgraph & B> {
  const running = await startSubgraph(definition, opts);
  const background = start(running);
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(Object.values(background).map((job) => job?.stop()));
      await running.stop();
    })());
  return { ...running, ...background, stop };
}
