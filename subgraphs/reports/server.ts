import {
  buildSchema,
  connectRedis,
  defineSubgraph,
  isStaffManager,
  startWithBackground,
  withPermissions,
  type PeriodicTask,
  type RunningSubgraph,
  type StartOptions,
  type SubgraphDefinition,
  type SubgraphService,
} from '../kit';
import { configFromEnv, type ReportsConfig } from './config';
import { StreamConsumer } from './consumer';
import { TEXT_CODES } from './domain/errors';
import { KNOWN_EVENTS } from './domain/events';
import type { Compute } from './domain/saved-reports';
import { entities } from './entities';
import { createLoaders, type ReportsLoaders } from './loaders';
import { registerRebuildGauge, reportsMetrics } from './metrics';
import { migrations } from './migrations';
import { startReportJob } from './report-job';
import { createResolvers, type ResolverServices } from './resolvers';

/**
 * Every read and the one mutation need a MANAGER or ADMIN token (customers and clerks: FORBIDDEN,
 * anonymous callers: UNAUTHENTICATED); which store's figures a MANAGER may read needs the row, so the
 * domain checks it (domain/access.ts) and its AccessDenied becomes the same FORBIDDEN.
 */
export const permissions = withPermissions({
  Query: {
    salesReport: isStaffManager,
    dashboard: isStaffManager,
    reports: isStaffManager,
    report: isStaffManager,
  },
  Mutation: { generateReport: isStaffManager },
  Store: { performance: isStaffManager },
  Product: { salesStats: isStaffManager },
});

export function createDefinition(services: () => ResolverServices): SubgraphDefinition<ReportsLoaders> {
  return defineSubgraph({
    name: 'reports',
    dir: __dirname,
    resolvers: createResolvers(services),
    entities,
    migrations,
    createLoaders,
    permissions,
    textCodes: TEXT_CODES,
  });
}

// Read from the environment on first use, so importing this module (tests, composition) reads nothing.
let defaultConfig: ReportsConfig | null = null;
export const definition = createDefinition(() => ({
  config: (defaultConfig ??= configFromEnv()),
  nudgeReportJob: () => undefined,
}));
export const typeDefs = definition.typeDefs;
export const resolvers = definition.resolvers;
export const schema = buildSchema(definition);

export interface RunningReports extends RunningSubgraph {
  config: ReportsConfig;
  /** Null without REDIS_URL, or when the caller asked for no consumer. */
  consumer: StreamConsumer | null;
  /** Null with REPORTS_JOB=off. */
  job: PeriodicTask | null;
}

export interface ReportsStartOptions extends StartOptions {
  /** Default: from the environment (configFromEnv). */
  config?: ReportsConfig;
  /** false: no stream consumer (tests that feed a consumer of their own). */
  consume?: boolean;
  /** Tests replace the report computation (a failure, a slow report). */
  compute?: Compute;
}

/**
 * Starts the subgraph, its stream consumer (when REDIS_URL is set) and its report job, stopped before
 * the subgraph (kit startWithBackground). index.ts and the test stack use this rather than the kit's
 * startSubgraph alone.
 */
export async function startReports(opts: ReportsStartOptions): Promise<RunningReports> {
  const config = opts.config ?? configFromEnv();
  // generateReport wakes the job, which exists once the subgraph runs.
  let job: PeriodicTask | null = null;
  const running = await startWithBackground(
    createDefinition(() => ({ config, nudgeReportJob: () => void job?.runNow() })),
    opts,
    (sub) => {
      const metrics = reportsMetrics(sub.metrics, (t) => t in KNOWN_EVENTS);
      registerRebuildGauge(sub.metrics, () => sub.orm.em.fork());
      const log = sub.log.child({ component: 'report-job' });
      job = config.jobEnabled
        ? startReportJob({
            makeContext: () => ({ em: sub.orm.em.fork(), identity: null, requestId: 'report-job', log }),
            settings: {
              claimer: config.consumer,
              leaseMs: config.jobLeaseMs,
              maxAttempts: config.jobMaxAttempts,
              timeoutMs: config.jobTimeoutMs,
            },
            intervalMs: config.jobIntervalMs,
            metrics,
            compute: opts.compute,
          })
        : null;
      let consumer: StreamConsumer | null = null;
      if (opts.consume !== false && config.redisUrl) {
        consumer = new StreamConsumer({
          config,
          redis: connectRedis(config.redisUrl, 'reports-consumer', sub.log),
          orm: sub.orm,
          log: sub.log.child({ component: 'event-consumer' }),
          metrics,
        });
        consumer.start();
      } else if (opts.consume !== false) {
        sub.log.warn('REDIS_URL is not set: reports consumes no events and its figures stay as they are');
      }
      return { job, consumer };
    },
  );
  return { ...running, config };
}

export const service: SubgraphService = {
  name: 'reports',
  definition,
  start: (opts) => startReports(opts),
};
