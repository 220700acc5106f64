/**
 * A producer's events as its subgraph tests read them (no test cases here): the test file's own
 * event streams, retainedEvents asked as reports' rebuild asks, and the relays' publication held to
 * the outbox and to what retainedEvents serves.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Client } from 'pg';
import type { RetainedEventPage } from '../../subgraphs/reports/domain/rebuild';
import { RETAINED_EVENTS_QUERY } from '../../subgraphs/reports/event-sources';
import { postGraphQL, waitFor } from './toolkit';

/** A test file's own Redis key prefix, and a connection to read its streams with. */
export interface OwnStreams {
  prefix: string;
  redis: Redis;
  /** Deletes every key under the prefix and disconnects. */
  close: () => Promise<void>;
}

/**
 * This file's own event streams, made before any producer starts (the relays read REDIS_PREFIX
 * when they start), and relays that poll the outbox every 20 ms.
 */
export function ownEventStreams(): OwnStreams {
  const prefix = `test:${randomBytes(4).toString('hex')}:`;
  process.env.REDIS_PREFIX = prefix;
  process.env.OUTBOX_POLL_MS = '20';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  return {
    prefix,
    redis,
    close: async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/**
 * One producer's retainedEvents, asked with the query reports' rebuild sends (event-sources.ts), so
 * the producer is tested with what its consumer asks; `url` picks the instance of each request.
 */
export function retainedEventsOf(url: () => string, serviceToken: string) {
  const page = (after: string | null, first: number, token: string | undefined = serviceToken) =>
    postGraphQL<{ retainedEvents: RetainedEventPage }>(url(), RETAINED_EVENTS_QUERY, { after, first }, { token });
  return {
    page,
    /**
     * Every retained event, page by page as the rebuild reads them; with `pastTheEnd`, also that a
     * page asked after the last one is empty and answers the cursor it was given.
     */
    all: async (first = 1_000, opts: { pastTheEnd?: boolean } = {}): Promise<string[]> => {
      const out: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res = await page(after, first);
        expect(res.body.errors).toBeUndefined();
        const current: RetainedEventPage = res.body.data!.retainedEvents;
        out.push(...current.events);
        if (!current.hasNextPage) {
          if (opts.pastTheEnd) {
            const past = await page(current.endCursor, first);
            expect(past.body.data!.retainedEvents).toEqual({
              events: [],
              endCursor: current.endCursor,
              hasNextPage: false,
            });
          }
          return out;
        }
        after = current.endCursor;
      }
    },
    /** Refused to each of these callers (FORBIDDEN, no data) and to an anonymous one (UNAUTHENTICATED). */
    expectServicesOnly: async (notServices: string[]) => {
      for (const token of notServices) {
        const res = await page(null, 10, token);
        expect([res.body.data ?? null, res.body.errors?.[0]?.extensions?.code]).toEqual([null, 'FORBIDDEN']);
      }
      const anonymous = await postGraphQL(url(), RETAINED_EVENTS_QUERY, { first: 10 });
      expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    },
  };
}

/**
 * The retained events' envelopes, after checking that they are the outbox's rows (event id and
 * sequence), oldest first; `rows` is how many the outbox holds.
 */
export async function envelopesOfOutbox(
  pg: Pick<Client, 'query'>,
  texts: string[],
): Promise<{ envelopes: Record<string, unknown>[]; rows: number }> {
  const envelopes = texts.map((t) => JSON.parse(t) as Record<string, unknown>);
  const rows = await pg.query<{ id: string; seq: string }>(
    'select id::text, seq::text from outbox order by outbox.seq',
  );
  expect(envelopes.map((e) => [e.id, String(e.sequence)])).toEqual(rows.rows.map((r) => [r.id, r.seq]));
  return { envelopes, rows: rows.rows.length };
}

/**
 * Waits until the relays have published every outbox row, then checks that `stream` holds each
 * event once, in sequence order, exactly as retainedEvents serves it, and that each row records its
 * entry's id; returns the stream's entries.
 */
export async function expectPublishedAsRetained(
  pg: Pick<Client, 'query'>,
  redis: Redis,
  stream: string,
  retained: () => Promise<string[]>,
): Promise<[id: string, fields: string[]][]> {
  await waitFor(
    'the outbox to be published',
    async () =>
      (await pg.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null')).rows[0]!.n ===
      0,
    30_000,
  );
  const entries = await redis.xrange(stream, '-', '+');
  expect(entries.map(([, fields]) => fields[1]!)).toEqual(await retained());
  const ids = await pg.query<{ stream_id: string }>('select stream_id from outbox order by seq');
  expect(ids.rows.map((r) => r.stream_id)).toEqual(entries.map(([id]) => id));
  return entries;
}
