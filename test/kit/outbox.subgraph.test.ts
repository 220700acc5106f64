import { randomBytes } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { ENVELOPE_FIELDS } from '../helpers/event-contract';
import { createLogger } from '../../subgraphs/kit/logger';
import { createMetrics } from '../../subgraphs/kit/metrics';
import { openOrm } from '../../subgraphs/kit/db';
import { OutboxEvent, OutboxOutsideTransaction, recordEvent, recordEvents } from '../../subgraphs/kit/outbox';
import {
  eventStream,
  outboxSettingsFromEnv,
  publishPending,
  purgePublished,
  retainedEventsResolver,
  startOutboxRelay,
} from '../../subgraphs/kit/outbox-relay';
import { execute, queryRows, sql } from '../../subgraphs/kit/sql';

const UNPUBLISHED_COUNT = sql<Record<string, never>, { n: number }>(
  'select count(*)::int as n from outbox where published_at is null',
);

/** The outbox table alone, on a fresh database, and the relay against the test Redis (own prefix). */
describe('outbox and relay (PostgreSQL, Redis)', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `test:${randomBytes(4).toString('hex')}:`;
  const stream = eventStream('retail', prefix);
  const log = createLogger('test');
  let db: TestDatabase;
  let orm: MikroORM;
  let redis: Redis;
  const env = { REDIS_URL: url, REDIS_PREFIX: prefix, OUTBOX_POLL_MS: '20' };

  beforeAll(async () => {
    db = await freshDatabase('outbox');
    orm = await openOrm({ url: db.url, entities: [OutboxEvent], migrations: [] });
    await orm.schema.createSchema();
    redis = new Redis(url);
  });
  afterAll(async () => {
    await orm.close();
    await db.drop();
    await redis.quit();
  });

  const sale = (id: string, total: number) => ({
    type: 'sale.recorded',
    aggregate: { type: 'Sale', id },
    data: { saleId: id, totalCents: total },
  });
  const entries = async () =>
    (await redis.xrange(stream, '-', '+')).map(([, fields]) => JSON.parse(fields[1]!) as Record<string, unknown>);
  const pending = async () => (await queryRows(orm.em.fork() as EntityManager, UNPUBLISHED_COUNT, {}))[0]!.n;

  it('writes events only with the transaction of their change, and refuses to write one outside a transaction', async () => {
    const em = orm.em.fork() as EntityManager;
    await expect(recordEvent(em, 'req-1', sale('s-0', 1))).rejects.toBeInstanceOf(OutboxOutsideTransaction);
    await expect(
      em.transactional(async (tx) => {
        await recordEvent(tx as EntityManager, 'req-1', sale('s-rolled-back', 1));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await em.transactional((tx) => recordEvents(tx as EntityManager, 'req-2', [sale('s-1', 100), sale('s-2', 200)]));
    const rows = await queryRows(
      em,
      sql<Record<string, never>, { type: string; aggregate_id: string; correlation_id: string }>(
        'select type, aggregate_id, correlation_id from outbox order by seq',
      ),
      {},
    );
    expect(rows).toEqual([
      { type: 'sale.recorded', aggregate_id: 's-1', correlation_id: 'req-2' },
      { type: 'sale.recorded', aggregate_id: 's-2', correlation_id: 'req-2' },
    ]);
  });

  it('publishes pending rows in order in the documented envelope, once, and marks them published', async () => {
    const n = await publishPending(orm, redis, { source: 'retail', stream, batch: 100, maxLen: 100_000 });
    expect(n).toBe(2);
    const published = await entries();
    expect(published).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'sale.recorded',
        version: 1,
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        source: 'retail',
        correlationId: 'req-2',
        aggregate: { type: 'Sale', id: 's-1' },
        sequence: expect.any(Number),
        data: { saleId: 's-1', totalCents: 100 },
      },
      expect.objectContaining({ aggregate: { type: 'Sale', id: 's-2' } }),
    ]);
    expect(Object.keys(published[0]!)).toEqual(ENVELOPE_FIELDS);
    expect(await pending()).toBe(0);
    expect(await publishPending(orm, redis, { source: 'retail', stream, batch: 100, maxLen: 100_000 })).toBe(0);
    expect(await entries()).toHaveLength(2);
  });

  it('lets one replica publish at a time: a second relay pass waits its turn and publishes nothing twice', async () => {
    const em = orm.em.fork() as EntityManager;
    await em.transactional((tx) =>
      recordEvents(
        tx as EntityManager,
        'req-3',
        Array.from({ length: 50 }, (_, i) => sale(`s-c${i}`, i)),
      ),
    );
    const [a, b] = await Promise.all([
      publishPending(orm, redis, { source: 'retail', stream, batch: 100, maxLen: 100_000 }),
      publishPending(orm, redis, { source: 'retail', stream, batch: 100, maxLen: 100_000 }),
    ]);
    expect(a + b).toBe(50);
    expect([a, b]).toContain(0);
    const ids = (await entries()).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(52);
    // In sequence order (numeric: 9 before 10).
    const seqs = (await entries()).map((e) => e.sequence as number);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('serves retained events page by page with the text published, and refuses an edited cursor or page size', async () => {
    const resolve = retainedEventsResolver('retail');
    const ctx = { em: orm.em.fork() as EntityManager };
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof resolve>> = await resolve(null, { after, first: 20 }, ctx);
      seen.push(...page.events);
      after = page.endCursor;
      if (!page.hasNextPage) break;
    }
    const streamed = (await redis.xrange(stream, '-', '+')).map(([, f]) => f[1]!);
    expect(seen).toEqual(streamed);
    await expect(resolve(null, { after: 'bm90IGEgY3Vyc29y', first: 5 }, ctx)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
    await expect(resolve(null, { after: null, first: 1001 }, ctx)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'first' },
    });
  });

  it('purges published rows after the retention, never pending ones', async () => {
    const em = orm.em.fork() as EntityManager;
    await em.transactional((tx) => recordEvent(tx as EntityManager, 'req-4', sale('s-pending', 1)));
    await execute(
      em,
      sql("update outbox set published_at = now() - interval '3 days' where aggregate_id in ('s-1', 's-2')"),
      {},
    );
    await execute(
      em,
      sql("update outbox set created_at = now() - interval '9 days' where aggregate_id = 's-pending'"),
      {},
    );
    expect(await purgePublished(orm, 2)).toBe(2);
    const left = await queryRows(
      em,
      sql<Record<string, never>, { aggregate_id: string }>(
        "select aggregate_id from outbox where aggregate_id like 's-_' or aggregate_id = 's-pending'",
      ),
      {},
    );
    expect(left).toEqual([{ aggregate_id: 's-pending' }]);
  });

  it('keeps events through a Redis outage and publishes them when Redis is back, with a backoff in between', async () => {
    const metrics = createMetrics('retail');
    // A relay pointed at a port where nothing listens: Redis "down".
    const relay = startOutboxRelay({
      source: 'retail',
      orm,
      metrics,
      log,
      env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' },
    });
    await new Promise((r) => setTimeout(r, 1_500));
    await relay.stop();
    const text = await metrics.registry.metrics();
    const failures = Number(/outbox_relay_failures_total\{reason="redis",service="retail"\} (\d+)/.exec(text)?.[1]);
    // 250, 500, 1000 ms backoff: a handful of tries in 1.5 s, not a busy loop.
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(failures).toBeLessThanOrEqual(5);
    expect(text).toMatch(/outbox_backlog\{service="retail"\} 1/);
    expect(await pending()).toBe(1);

    const up = startOutboxRelay({ source: 'retail', orm, metrics: createMetrics('retail'), log, env });
    try {
      const deadline = Date.now() + 5_000;
      while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await pending()).toBe(0);
      expect((await entries()).at(-1)).toMatchObject({ aggregate: { id: 's-pending' } });
    } finally {
      await up.stop();
    }
  });

  it('publishes a commit of this process at once, however long its idle poll', async () => {
    const relay = startOutboxRelay({
      source: 'retail',
      orm,
      metrics: createMetrics('retail'),
      log,
      env: { ...env, OUTBOX_POLL_MS: '100', OUTBOX_IDLE_POLL_MS: '60000' },
    });
    try {
      // Empty passes after 0, 100, 200, 400, 800 and 1600 ms: at 3.5 s the relay waits until 6.3 s.
      await new Promise((r) => setTimeout(r, 3_500));
      const em = orm.em.fork() as EntityManager;
      await em.transactional((tx) => recordEvent(tx as EntityManager, 'req-5', sale('s-woken', 1)));
      const started = Date.now();
      while ((await pending()) > 0 && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 20));
      expect(await pending()).toBe(0);
      // Unwoken, the relay's next pass would be 2.8 s away: well under that, with room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect((await entries()).at(-1)).toMatchObject({ aggregate: { id: 's-woken' } });
      // A rolled-back transaction wakes nothing and leaves nothing.
      await expect(
        em.transactional(async (tx) => {
          await recordEvent(tx as EntityManager, 'req-6', sale('s-never', 1));
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect(await pending()).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  it('reads its settings from the environment with documented defaults', () => {
    expect(outboxSettingsFromEnv({})).toEqual({
      enabled: true,
      pollMs: 100,
      idlePollMs: 1_000,
      batch: 200,
      maxLen: 100_000,
      retentionDays: 400,
      purgeEveryMs: 3_600_000,
      maxBackoffMs: 5_000,
    });
    expect(outboxSettingsFromEnv({ OUTBOX_RELAY: 'off' }).enabled).toBe(false);
    expect(() => outboxSettingsFromEnv({ OUTBOX_RETENTION_DAYS: '0' })).toThrow(/OUTBOX_RETENTION_DAYS/);
  });
});
