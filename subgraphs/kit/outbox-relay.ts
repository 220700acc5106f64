/**
 * The outbox relay (ADR 0019): publishes a producer's pending outbox rows (kit/outbox.ts), in
 * sequence order, to its Redis stream `<REDIS_PREFIX>events:<source>` (XADD, approximate MAXLEN),
 * marks them published, and deletes published rows after the retention. Every replica runs it; a
 * transaction-scoped advisory lock lets one of them publish at a time, so there is nothing to elect
 * and a replica that dies hands over at its next pass. Delivery is at least once: a relay that dies
 * between its XADD and its commit publishes those rows again, and consumers drop the repeat by
 * event id (reports: processed_events).
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge } from 'prom-client';
import type { Redis } from 'ioredis';
import { openOrm } from './db';
import { numberFromEnv } from './env';
import { decodeCursor, encodeCursor } from './pagination';
import { badInput } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import {
  ENVELOPE_COLUMNS,
  envelopeText,
  outboxCommits,
  OutboxEvent,
  retainedEvents,
  type EnvelopeRow,
  type EventSource,
} from './outbox';
import { connectRedis, redisPrefix, redisUrlFromEnv } from './redis';
import { execute, queryOne, queryRows, sql } from './sql';

export interface OutboxRelaySettings {
  /** OUTBOX_RELAY=off: this process publishes nothing (another replica or process does). */
  enabled: boolean;
  /** Wait after a pass that published something, and the first wait after an empty one (OUTBOX_POLL_MS, default 100). */
  pollMs: number;
  /**
   * Longest wait while nothing is written (OUTBOX_IDLE_POLL_MS, default 1000): empty passes double the
   * wait up to it. Commits of this process wake the relay at once (outboxCommits); the poll catches
   * the rows other processes wrote (another inventory worker's) and commits missed.
   */
  idlePollMs: number;
  /** Rows per pass and XADD pipeline (OUTBOX_BATCH, default 200). */
  batch: number;
  /** The stream's approximate length cap (OUTBOX_STREAM_MAXLEN, default 100000; XADD MAXLEN ~). */
  maxLen: number;
  /** Published rows are deleted after this many days (OUTBOX_RETENTION_DAYS, default 400). */
  retentionDays: number;
  /** How often the retention purge runs (OUTBOX_PURGE_INTERVAL_MS, default 1 hour). */
  purgeEveryMs: number;
  /** Longest wait after a failed pass, doubling from 250 ms (OUTBOX_MAX_BACKOFF_MS, default 5000). */
  maxBackoffMs: number;
}

export function outboxSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OutboxRelaySettings {
  return {
    enabled: (env.OUTBOX_RELAY ?? 'on') !== 'off',
    pollMs: numberFromEnv(env, 'OUTBOX_POLL_MS', 100, { min: 10 }),
    idlePollMs: numberFromEnv(env, 'OUTBOX_IDLE_POLL_MS', 1_000, { min: 10 }),
    batch: numberFromEnv(env, 'OUTBOX_BATCH', 200, { min: 1 }),
    maxLen: numberFromEnv(env, 'OUTBOX_STREAM_MAXLEN', 100_000, { min: 1_000 }),
    retentionDays: numberFromEnv(env, 'OUTBOX_RETENTION_DAYS', 400, { min: 1 }),
    purgeEveryMs: numberFromEnv(env, 'OUTBOX_PURGE_INTERVAL_MS', 3_600_000, { min: 1_000 }),
    maxBackoffMs: numberFromEnv(env, 'OUTBOX_MAX_BACKOFF_MS', 5_000, { min: 250 }),
  };
}

/** The stream a producer publishes to. */
export function eventStream(source: EventSource, prefix: string = redisPrefix()): string {
  return `${prefix}events:${source}`;
}

// pg_try_advisory_xact_lock key: "outbox relay" in this database (each producer has its own database).
const RELAY_LOCK = 0x6f7574626f78;

const BACKLOG = sql<Record<string, never>, { n: number; age: number | null }>(
  `select count(*)::int as n, coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as age
     from outbox where published_at is null`,
);
const TRY_RELAY_LOCK = sql<{ key: number }, { ok: boolean }>('select pg_try_advisory_xact_lock(:key) as ok');
const UNPUBLISHED = sql<{ limit: number }, EnvelopeRow>(
  `select ${ENVELOPE_COLUMNS} from outbox where published_at is null order by outbox.seq limit :limit for update`,
);
const MARK_PUBLISHED = sql<{ seqs: string[]; streamIds: string[] }>(
  `update outbox o set published_at = now(), stream_id = p.stream_id
     from unnest(:seqs::bigint[], :streamIds::text[]) as p(seq, stream_id) where o.seq = p.seq`,
);
/** At most 10,000 rows a statement, so pruning never holds a long lock; the caller loops. */
const PRUNE_PUBLISHED = sql<{ retentionDays: number }>(
  `delete from outbox where seq in (
     select seq from outbox where published_at < now() - make_interval(days => :retentionDays) order by seq limit 10000)`,
);

export interface OutboxRelay {
  /** One pass now: rows published (0 when another replica holds the lock, or nothing is pending). */
  runNow: () => Promise<number>;
  /** Published rows deleted by one retention pass now. */
  purgeNow: () => Promise<number>;
  stop: () => Promise<void>;
}

export interface RelayMetrics {
  published: Counter<'type'>;
  failures: Counter<'reason'>;
}

/**
 * outbox_backlog and outbox_oldest_unpublished_age_seconds, read from the database at scrape time
 * (every replica reports the same table; alerts take the max), plus the relay's counters.
 */
export function outboxMetrics(metrics: Pick<Metrics, 'registry'>, orm: MikroORM, log: Logger): RelayMetrics {
  const registers = [metrics.registry];
  let last: Promise<{ n: number; age: number }> | null = null;
  // One query serves both gauges of a scrape.
  const read = () =>
    (last ??= queryOne(orm.em.fork() as EntityManager, BACKLOG, {})
      .then((r) => ({ n: r?.n ?? 0, age: r?.age ?? 0 }))
      .finally(() => setTimeout(() => (last = null), 100).unref()));
  const gauge = (name: string, help: string, pick: (r: { n: number; age: number }) => number) =>
    new Gauge({
      name,
      help,
      registers,
      // Cluster workers (inventory) read the same table: the primary's aggregate is their max, not a sum.
      aggregator: 'max',
      async collect() {
        try {
          this.set(pick(await read()));
        } catch (err) {
          log.warn({ err }, `${name} not read`);
        }
      },
    });
  gauge('outbox_backlog', 'Outbox rows written but not yet published to the Redis stream', (r) => r.n);
  gauge(
    'outbox_oldest_unpublished_age_seconds',
    'Age of the oldest outbox row not yet published (0 when none is pending)',
    (r) => r.age,
  );
  return {
    published: new Counter({
      name: 'outbox_published_total',
      help: 'Outbox events published to the Redis stream by this process, by type',
      labelNames: ['type'],
      registers,
    }),
    failures: new Counter({
      name: 'outbox_relay_failures_total',
      help: 'Relay passes that failed, by reason (redis: Redis unavailable or refusing; database)',
      labelNames: ['reason'],
      registers,
    }),
  };
}

class RedisUnavailable extends Error {}

function ready(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.once('ready', onReady);
  });
}

/**
 * One pass under the relay lock, in one transaction: the oldest pending rows FOR UPDATE, one XADD
 * pipeline, the rows marked published with their stream ids. Redis failing rolls the marks back:
 * the rows stay pending and the next pass publishes them again.
 */
export async function publishPending(
  orm: MikroORM,
  redis: Redis,
  opts: { source: EventSource; stream: string; batch: number; maxLen: number; metrics?: RelayMetrics },
): Promise<number> {
  // No transaction (and no relay lock) is opened while Redis is away; a connection still being made gets 1 s.
  if (!(await ready(redis, 1_000))) throw new RedisUnavailable(`redis ${redis.status}`);
  return orm.em.fork().transactional(async (tx) => {
    const em = tx as EntityManager;
    const lock = await queryOne(em, TRY_RELAY_LOCK, { key: RELAY_LOCK });
    if (!lock?.ok) return 0;
    const rows = await queryRows(em, UNPUBLISHED, { limit: opts.batch });
    if (rows.length === 0) return 0;
    const pipeline = redis.pipeline();
    for (const row of rows) {
      pipeline.xadd(opts.stream, 'MAXLEN', '~', String(opts.maxLen), '*', 'event', envelopeText(opts.source, row));
    }
    const results = (await pipeline.exec()) ?? [];
    const ids = results.map(([err, id]) => {
      if (err) throw new RedisUnavailable(err.message);
      return String(id);
    });
    if (ids.length !== rows.length) throw new RedisUnavailable('XADD pipeline answered short');
    await execute(em, MARK_PUBLISHED, { seqs: rows.map((r) => r.seq), streamIds: ids });
    for (const row of rows) opts.metrics?.published.inc({ type: row.type });
    return rows.length;
  });
}

/** Deletes published rows older than the retention, 10000 per statement; pending rows are never deleted. */
export async function purgePublished(orm: MikroORM, retentionDays: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await execute(orm.em.fork() as EntityManager, PRUNE_PUBLISHED, { retentionDays });
    total += n;
    if (n < 10_000) return total;
  }
}

/**
 * Starts the relay of `source`: a pass at once, then again immediately while passes come back full,
 * every pollMs when there was nothing, after a doubling backoff (250 ms .. maxBackoffMs) when Redis or
 * the database failed: no busy loop through an outage, and at most maxBackoffMs of extra delay after
 * it. Without Redis (REDIS_URL unset) nothing is published and events wait in the outbox (logged).
 */
export function startOutboxRelay(opts: {
  source: EventSource;
  orm: MikroORM;
  metrics: Pick<Metrics, 'registry'>;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  settings?: OutboxRelaySettings;
}): OutboxRelay {
  const env = opts.env ?? process.env;
  const settings = opts.settings ?? outboxSettingsFromEnv(env);
  const log = opts.log.child({ component: 'outbox-relay' });
  const metrics = outboxMetrics(opts.metrics, opts.orm, log);
  const url = redisUrlFromEnv(env);
  const stream = eventStream(opts.source, redisPrefix(env));
  if (!settings.enabled || !url) {
    if (!url) log.warn('REDIS_URL unset: events stay in the outbox until a relay with Redis publishes them');
    return {
      runNow: async () => 0,
      purgeNow: () => purgePublished(opts.orm, settings.retentionDays),
      stop: async () => {},
    };
  }
  const redis = connectRedis(url, `outbox-relay-${opts.source}`, log);
  // Its own two connections, not the request pool: a burst of requests cannot starve publishing, and
  // the polling stays out of db_statements_total (the statements requests cost; the relay's work is
  // outbox_published_total and outbox_relay_failures_total).
  let own: Promise<MikroORM> | null = null;
  const db = () =>
    (own ??= openOrm({
      url: String(opts.orm.config.get('clientUrl')),
      entities: [OutboxEvent],
      migrations: [],
      poolMax: 2,
    }).catch((err: unknown) => {
      own = null;
      throw err;
    }));
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let failures = 0;
  let lastPurge = 0;
  let idleWait = settings.pollMs;
  // A commit that arrives during a pass may not be in what the pass read: one more pass follows.
  let woken = false;
  const clientUrl = String(opts.orm.config.get('clientUrl'));

  const pass = async (): Promise<number> => {
    const orm = await db();
    const published = await publishPending(orm, redis, {
      source: opts.source,
      stream,
      batch: settings.batch,
      maxLen: settings.maxLen,
      metrics,
    });
    if (Date.now() - lastPurge >= settings.purgeEveryMs) {
      lastPurge = Date.now();
      const purged = await purgePublished(orm, settings.retentionDays);
      if (purged > 0) log.info({ purged, retentionDays: settings.retentionDays }, 'outbox: published events purged');
    }
    return published;
  };
  const runNow = (): Promise<number> =>
    (running ??= pass().finally(() => {
      running = null;
    }));
  // The wait the relay is in: a wake-up shortens only an idle wait (longer than pollMs). Under load,
  // passes every pollMs publish the commits of that interval together, one pass for many events.
  let waiting = 0;
  const schedule = (ms: number) => {
    if (stopped) return;
    waiting = ms;
    timer = setTimeout(() => void loop(), ms);
    timer.unref();
  };
  const loop = async () => {
    timer = null;
    woken = false;
    try {
      const n = await runNow();
      if (failures > 0) log.info({ after: failures }, 'outbox relay publishing again');
      failures = 0;
      if (n >= settings.batch || woken) schedule(0);
      else if (n > 0) schedule((idleWait = settings.pollMs));
      else {
        schedule(idleWait);
        idleWait = Math.min(settings.idlePollMs, idleWait * 2);
      }
    } catch (err) {
      failures += 1;
      const reason = err instanceof RedisUnavailable ? 'redis' : 'database';
      metrics.failures.inc({ reason });
      // One line per outage, not one per retry.
      if (failures === 1)
        log.warn({ err: { message: (err as Error).message }, reason }, 'outbox relay failed; retrying');
      schedule(Math.min(settings.maxBackoffMs, 250 * 2 ** Math.min(failures - 1, 10)));
    }
  };
  const wake = (url: string) => {
    if (url !== clientUrl || stopped || failures > 0 || waiting <= settings.pollMs) return;
    idleWait = settings.pollMs;
    if (timer) {
      clearTimeout(timer);
      schedule(0);
    } else woken = true; // a pass is running, or about to schedule the next: it goes straight on
  };
  outboxCommits.on('committed', wake);
  schedule(0);
  return {
    runNow,
    purgeNow: () => purgePublished(opts.orm, settings.retentionDays),
    stop: async () => {
      stopped = true;
      outboxCommits.off('committed', wake);
      if (timer) clearTimeout(timer);
      await running?.catch(() => 0);
      await redis.quit().catch(() => undefined);
      redis.disconnect();
      if (own) await (await own.catch(() => null))?.close();
    },
  };
}

/** The SERVICE-only `retainedEvents(after, first)` of a producer (docs/events.md), over its outbox. */
export function retainedEventsResolver(source: EventSource) {
  return async (
    _parent: unknown,
    args: { after?: string | null; first: number },
    ctx: { em: EntityManager },
  ): Promise<{ events: string[]; endCursor: string | null; hasNextPage: boolean }> => {
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_RETAINED_PAGE) {
      throw badInput(`"first" must be between 1 and ${MAX_RETAINED_PAGE}; got ${args.first}`, {
        argument: 'first',
        max: MAX_RETAINED_PAGE,
      });
    }
    const after = decodeCursor(args.after, ['bigint'] as const)?.[0] ?? '0';
    const page = await retainedEvents(ctx.em, source, after, args.first);
    return {
      events: page.events,
      endCursor: page.lastSeq ? encodeCursor([page.lastSeq]) : (args.after ?? null),
      hasNextPage: page.more,
    };
  };
}

/** The largest page of retainedEvents. */
export const MAX_RETAINED_PAGE = 1_000;

/** A producer's start option (products, inventory): whether this instance runs its outbox relay. */
export interface OutboxRelayOption {
  /**
   * false: this instance runs no outbox relay (events wait in the outbox for one that does). Tests that
   * read events from the outbox table turn it off, so they publish nothing to the default prefix's
   * stream of a shared Redis. Default: OUTBOX_RELAY (on unless `off`).
   */
  outboxRelay?: boolean;
}

/**
 * The outbox relay a producer runs beside its subgraph, in every process (the relay's advisory lock
 * lets one publish at a time), to `<REDIS_PREFIX>events:<source>` with the OUTBOX_* settings; off
 * for an instance started with `outboxRelay: false`.
 */
export function startSubgraphOutboxRelay(
  source: EventSource,
  running: Pick<Parameters<typeof startOutboxRelay>[0], 'orm' | 'metrics' | 'log'>,
  opts: OutboxRelayOption = {},
): OutboxRelay {
  return startOutboxRelay({
    source,
    orm: running.orm,
    metrics: running.metrics,
    log: running.log,
    settings: opts.outboxRelay === false ? { ...outboxSettingsFromEnv(), enabled: false } : undefined,
  });
}
