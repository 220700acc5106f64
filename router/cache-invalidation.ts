import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../subgraphs/kit';
import type { EntityCache } from './entity-cache';

/**
 * Reads the owners' event streams (`<REDIS_PREFIX>events:<subgraph>`, docs/events.md) and drops what
 * each event changes from the entity cache: every router process reads every event itself, so each
 * empties its own process layer and the shared layer both. While the streams cannot be read (Redis
 * down) the cache is off; when they can again, reading resumes where it stopped.
 */

interface Envelope {
  type: string;
  aggregate: { type: string; id: string };
  data?: Record<string, unknown>;
}

/**
 * The cached entities an event changes, in the subgraph that emitted it (`id: '*'` for every entity
 * of a type); null when it names no entity the cache keys on (everything of that subgraph is dropped
 * then).
 */
export function entitiesOfEvent(event: Envelope): { type: string; id: string }[] | null {
  // A stock level changed: the Product whose stock inventory contributes.
  if (event.type === 'stock.changed' && typeof event.data?.productId === 'string') {
    return [{ type: 'Product', id: event.data.productId }];
  }
  if (event.aggregate.type === 'Product') {
    const product = { type: 'Product', id: event.aggregate.id };
    // A product created, moved or withdrawn changes its categories' (and their parents') counts.
    return event.type === 'product.price_changed' ? [product] : [product, { type: 'Category', id: '*' }];
  }
  // Replenishment requests and the like change no cached entity, but may change cached lists.
  if (event.aggregate.type === 'ReplenishmentRequest' || event.aggregate.type === 'StockLevel') return [];
  return null;
}

export interface InvalidationReader {
  stop: () => Promise<void>;
}

export function startCacheInvalidation(opts: {
  /** A connection of its own: XREAD blocks it. */
  redis: Redis;
  prefix: string;
  /** Subgraphs whose streams are read (those that own cached fields). */
  subgraphs: readonly string[];
  cache: EntityCache;
  log: Logger;
  /** Longest wait of one read; a stop waits for it at most. */
  blockMs?: number;
}): InvalidationReader {
  const { redis, cache, log } = opts;
  const streams = opts.subgraphs.map((s) => `${opts.prefix}events:${s}`);
  const subgraphOf = new Map(opts.subgraphs.map((s, i) => [streams[i]!, s]));
  let stopped = false;

  const loop = async () => {
    const ids = new Map<string, string>();
    while (!stopped) {
      try {
        if (ids.size === 0) {
          // Where each stream ends now: events before this moment changed nothing cached yet.
          for (const stream of streams) {
            const last = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
            ids.set(stream, last[0]?.[0] ?? '0-0');
          }
        }
        cache.setLive(true);
        const answer = (await redis.xread(
          'COUNT',
          1000,
          'BLOCK',
          opts.blockMs ?? 1000,
          'STREAMS',
          ...streams,
          ...streams.map((s) => ids.get(s) ?? '0-0'),
        )) as [string, [string, string[]][]][] | null;
        // One invalidation per subgraph for the whole read: under load a read brings many events, and
        // each invalidation is a Redis round trip and drops the response cache.
        const changes = new Map<string, Map<string, { type: string; id: string }> | null>();
        for (const [stream, entries] of answer ?? []) {
          const subgraph = subgraphOf.get(stream);
          if (!subgraph) continue;
          for (const [id, fields] of entries) {
            ids.set(stream, id);
            const text = fields[fields.indexOf('event') + 1];
            if (!text) continue;
            let named: { type: string; id: string }[] | null;
            try {
              named = entitiesOfEvent(JSON.parse(text) as Envelope);
            } catch {
              log.warn({ stream, id }, 'entity cache: an event that cannot be read; dropping the subgraph');
              named = null;
            }
            const soFar = changes.get(subgraph);
            if (soFar === null) continue;
            if (named === null) changes.set(subgraph, null);
            else {
              // A hot product is named by many events of one read: once is enough.
              const into = soFar ?? new Map<string, { type: string; id: string }>();
              for (const e of named) into.set(`${e.type}|${e.id}`, e);
              changes.set(subgraph, into);
            }
          }
        }
        for (const [subgraph, entities] of changes) {
          await cache.invalidate(subgraph, entities ? [...entities.values()] : null);
        }
      } catch (err) {
        if (stopped) break;
        if (cache.isLive)
          log.warn({ err: (err as Error).message }, 'entity cache off: the event streams cannot be read');
        cache.setLive(false);
        await sleep(500);
      }
    }
  };
  const running = loop();
  return {
    stop: async () => {
      stopped = true;
      cache.setLive(false);
      redis.disconnect();
      await running;
    },
  };
}
