/**
 * `npm run reports:rebuild`: the read models recomputed from the producers' retained events (their
 * outbox rows, published or not), through the same parser and the same deltas as live consumption,
 * in ONE transaction. The live consumer keeps running: its writes wait on the table locks taken here
 * and, once this commits, find every event the rebuild applied already in processed_events
 * (duplicates, skipped); events the producers retain after the rebuild read them are applied live.
 * Readers keep seeing the old figures until the commit (DELETE, not TRUNCATE, so reads never block).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { execute, type DomainContext } from '../../kit/domain';
import { writeEvents } from './apply';
import { parseEvent, type ParsedEvent } from './events';
import { CLEAR_READ_MODELS, INSERT_REBUILD, LOCK_READ_MODELS } from './sql/rebuilds';
import type { Source } from './types';

/** One page of a producer's retained events (docs/events.md, "Retention and rebuild"). */
export interface RetainedEventPage {
  /** Envelopes as JSON text, exactly as published to the stream, in sequence order. */
  events: string[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Where a rebuild reads one producer's retained events: its GraphQL query, or a test's list. */
export interface RetainedEventSource {
  source: Source;
  page(after: string | null, first: number): Promise<RetainedEventPage>;
}

export interface RebuildSummary {
  applied: number;
  duplicates: number;
  ignored: number;
  rejected: number;
  /** Events read per producer. */
  read: Partial<Record<Source, number>>;
  durationMs: number;
}

export async function rebuildReadModels(
  ctx: DomainContext,
  sources: readonly RetainedEventSource[],
  opts: { currency: string; pageSize?: number },
): Promise<RebuildSummary> {
  const pageSize = opts.pageSize ?? 500;
  const startedAt = new Date();
  const summary: RebuildSummary = { applied: 0, duplicates: 0, ignored: 0, rejected: 0, read: {}, durationMs: 0 };
  await ctx.em.transactional(async (txEm) => {
    const em = txEm as EntityManager;
    await execute(em, LOCK_READ_MODELS, {});
    for (const clear of CLEAR_READ_MODELS) await execute(em, clear, {});
    for (const source of sources) {
      let after: string | null = null;
      let read = 0;
      for (;;) {
        const page = await source.page(after, pageSize);
        const parsed: ParsedEvent[] = [];
        for (const text of page.events) {
          const result = parseEvent(text, source.source, opts.currency);
          if (result.ok) parsed.push(result.event);
          else {
            summary.rejected++;
            ctx.log.warn(
              { source: source.source, code: result.code, reason: result.reason, eventId: result.eventId },
              'rebuild: event rejected',
            );
          }
        }
        read += page.events.length;
        const { outcomes } = await writeEvents(em, parsed);
        for (const o of outcomes) summary[o === 'applied' ? 'applied' : o === 'duplicate' ? 'duplicates' : 'ignored']++;
        if (!page.hasNextPage || page.endCursor === null || page.events.length === 0) break;
        after = page.endCursor;
      }
      summary.read[source.source] = read;
    }
    summary.durationMs = Date.now() - startedAt.getTime();
    await execute(em, INSERT_REBUILD, {
      startedAt: startedAt.toISOString(),
      applied: summary.applied,
      rejected: summary.rejected,
      durationMs: summary.durationMs,
    });
  });
  return summary;
}

/** A source over a fixed list of envelopes (tests, and replays of an exported outbox). */
export function listSource(source: Source, envelopes: readonly string[]): RetainedEventSource {
  return {
    source,
    page: async (after, first) => {
      const start = after === null ? 0 : Number(after);
      const events = envelopes.slice(start, start + first);
      const end = start + events.length;
      return { events, endCursor: events.length ? String(end) : null, hasNextPage: end < envelopes.length };
    },
  };
}
