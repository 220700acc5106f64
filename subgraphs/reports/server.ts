import {
  backgroundContext,
  connectRedis,
  defineSubgraphService,
  isStaffManager,
  withPermissions,
  type PeriodicTask,
  type StartOptions,
} from '../kit';
import { configFromEnv, type ReportsConfig } from './config';
import { StreamConsumer } from './consumer';
import { TEXT_CODES } from './domain/errors';
import { KNOWN_EVENTS } from './domain/events';
import type { Compute } from './domain/saved-reports';
import { entities } from './entities';
import { createLoaders } from './loaders';
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

/** Reports' collaborators: its configuration, and a way to wake the report job once it runs. */
export interface ReportsServices extends ResolverServices {
  config: ReportsConfig;
  /** The report job of this instance, once started (null with REPORTS_JOB=off, or before it starts). */
  job: { current: PeriodicTask | null };
}

function createServices(config: ReportsConfig = configFromEnv()): ReportsServices {
  const job: ReportsServices['job'] = { current: null };
  // generateReport wakes the job, which exists once the subgraph runs.
  return { config, job, nudgeReportJob: () => void job.current?.runNow() };
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
 * The subgraph, its stream consumer (when REDIS_URL is set) and its report job, stopped before the
 * subgraph (the kit's defineSubgraphService). index.ts, the registry and the test stack start it
 * through `service` (or `startReports`).
 */
export const { definition, typeDefs, resolvers, schema, start, service } = defineSubgraphService({
  name: 'reports',
  dir: __dirname,
  services: (opts?: ReportsStartOptions) => createServices(opts?.config),
  parts: (services) => ({
    resolvers: createResolvers(services),
    entities,
    migrations,
    createLoaders,
    permissions,
    textCodes: TEXT_CODES,
  }),
  background: (sub, services, opts) => {
    const { config } = services;
    const metrics = reportsMetrics(sub.metrics, (t) => t in KNOWN_EVENTS);
    registerRebuildGauge(sub.metrics, () => sub.orm.em.fork());
    const job = config.jobEnabled
      ? startReportJob({
          makeContext: () => backgroundContext(sub, 'report-job'),
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
    services.job.current = job;
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
    /** Null with REPORTS_JOB=off; the consumer null without REDIS_URL, or when the caller asked for none. */
    return { job, consumer };
  },
});

export type RunningReports = Awaited<ReturnType<typeof start>> & { config: ReportsConfig };

/** One reports instance; `config` is the configuration it runs with. */
export async function startReports(opts: ReportsStartOptions): Promise<RunningReports> {
  const running = await start(opts);
  return { ...running, config: running.services.config };
}
