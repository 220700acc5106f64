/**
 * The consumer of the producers' event streams (ADR 0018): one consumer group (`reports`) over
 * `<prefix>events:{ecommerce,retail,inventory}`, one consumer name per process. Each read batch is
 * parsed (domain/events.ts), applied in one transaction with its processed-event ids
 * (domain/apply.ts), and acknowledged (XACK) only after that commit. Entries another consumer left
 * unacknowledged for claimIdleMs are taken over with XAUTOCLAIM. A malformed or unknown entry is
 * recorded in rejected_events and acknowledged. Redis or PostgreSQL failures: the loop waits
 * (250 ms doubling up to maxBackoffMs), then re-reads what it was delivered and not acknowledged, and
 * goes on from where the group left off. Metrics are counted here, never in the domain.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { pgErrorCode, type DomainContext, type Logger } from '../kit';
import type { ReportsConfig } from './config';
import { applyEvents, recordRejection, type Outcome } from './domain/apply';
import { parseEvent, type ParsedEvent } from './domain/events';
import { SOURCES, type Source } from './domain/types';
import type { ReportsMetrics } from './metrics';

interface StreamRef {
  source: Source;
  /** The Redis key, with the prefix. */
  key: string;
  /** Without the prefix: the metrics' `stream` label and the rejection records' `stream`. */
  name: string;
}

/** [entryId, [field, value, ...]] as Redis returns it; fields null for an entry trimmed since delivery. */
type Entry = [string, string[] | null];

export interface ConsumerStats {
  applied: number;
  duplicates: number;
  ignored: number;
  rejected: number;
  claimed: number;
  /** Failed rounds (Redis or PostgreSQL unavailable), each followed by a backoff. */
  failures: number;
}

/** How often lag and pending are read into the gauges, and idle consumers removed from the group. */
const INFO_EVERY_MS = 5_000;
/** A consumer with nothing pending and idle this long is a process that is gone: removed from the group. */
const FORGET_CONSUMER_AFTER_MS = 3_600_000;
const MIN_BACKOFF_MS = 250;

export function streamsOf(prefix: string): StreamRef[] {
  return SOURCES.map((source) => ({ source, key: `${prefix}events:${source}`, name: `events:${source}` }));
}

function fieldValue(fields: string[] | null, name: string): string | null {
  if (!fields) return null;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1] ?? null;
  return null;
}

/** Redis replies are nested arrays; these narrow them without trusting their shape. */
function asEntries(v: unknown): Entry[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (e): e is Entry => Array.isArray(e) && typeof e[0] === 'string' && (e[1] === null || Array.isArray(e[1])),
  );
}

function flatRecord(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(v)) return out;
  for (let i = 0; i + 1 < v.length; i += 2) out[String(v[i])] = v[i + 1];
  return out;
}

/** PostgreSQL refusing one event's values (data exception, constraint): that event can never apply. */
function refusedByDatabase(err: unknown): boolean {
  const code = pgErrorCode(err);
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

export class StreamConsumer {
  readonly streams: StreamRef[];
  readonly stats: ConsumerStats = { applied: 0, duplicates: 0, ignored: 0, rejected: 0, claimed: 0, failures: 0 };
  private stopped = false;
  private blocking = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly deps: {
      config: ReportsConfig;
      /** This consumer's own connection (its blocking reads hold it). */
      redis: Redis;
      orm: MikroORM;
      log: Logger;
      metrics: ReportsMetrics;
    },
  ) {
    this.streams = streamsOf(deps.config.redisPrefix);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Finishes the batch in hand (its XACKs included), then closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    // A blocking read is cut short; a batch being applied is let finish.
    if (this.blocking) this.deps.redis.disconnect();
    await this.loop;
    if (this.deps.redis.status !== 'end') await this.deps.redis.quit().catch(() => undefined);
  }

  private get config() {
    return this.deps.config;
  }

  private domainContext(requestId: string): DomainContext {
    return { em: this.deps.orm.em.fork(), identity: null, requestId, log: this.deps.log };
  }

  private async run(): Promise<void> {
    const { log } = this.deps;
    let backoff = MIN_BACKOFF_MS;
    let groupsReady = false;
    // First what this consumer name was delivered and did not acknowledge (a restart with the same
    // REPORTS_CONSUMER, or a failed round), then new entries.
    let ownPending = true;
    let nextClaim = 0;
    let nextInfo = 0;
    log.info({ consumer: this.config.consumer, group: this.config.group }, 'event consumer started');
    while (!this.stopped) {
      try {
        if (!groupsReady) {
          await this.ensureGroups();
          groupsReady = true;
        }
        if (ownPending) {
          if ((await this.read('0')) === 0) ownPending = false;
          continue;
        }
        if (Date.now() >= nextClaim) {
          await this.claimAbandoned();
          nextClaim = Date.now() + this.config.claimEveryMs;
        }
        if (Date.now() >= nextInfo) {
          await this.refreshInfo();
          nextInfo = Date.now() + INFO_EVERY_MS;
        }
        await this.read('>');
        backoff = MIN_BACKOFF_MS;
      } catch (err) {
        if (this.stopped) break;
        this.stats.failures++;
        const message = (err as Error).message ?? String(err);
        // The stream or the group vanished (Redis restarted without persistence, FLUSHALL): recreate.
        if (message.includes('NOGROUP')) groupsReady = false;
        log.warn({ err: { message }, backoffMs: backoff }, 'event consumer round failed; retrying');
        ownPending = true;
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.config.maxBackoffMs);
      }
    }
    log.info({ consumer: this.config.consumer, ...this.stats }, 'event consumer stopped');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /** The group on every stream, from the first entry (events published before reports started count). */
  private async ensureGroups(): Promise<void> {
    for (const s of this.streams) {
      try {
        await this.deps.redis.call('XGROUP', 'CREATE', s.key, this.config.group, '0', 'MKSTREAM');
      } catch (err) {
        if (!(err as Error).message?.includes('BUSYGROUP')) throw err;
      }
    }
  }

  /**
   * One XREADGROUP over every stream: `>` for new entries (blocking up to blockMs), `0` for this
   * consumer's own unacknowledged ones. Returns the number of entries handled.
   */
  private async read(id: '>' | '0'): Promise<number> {
    const args: (string | number)[] = [
      'GROUP',
      this.config.group,
      this.config.consumer,
      'COUNT',
      this.config.batchSize,
    ];
    if (id === '>') args.push('BLOCK', this.config.blockMs);
    args.push('STREAMS', ...this.streams.map((s) => s.key), ...this.streams.map(() => id));
    let reply: unknown;
    this.blocking = id === '>';
    try {
      reply = await this.deps.redis.call('XREADGROUP', ...args);
    } finally {
      this.blocking = false;
    }
    if (!Array.isArray(reply)) return 0;
    let handled = 0;
    for (const item of reply) {
      if (!Array.isArray(item)) continue;
      const stream = this.streams.find((s) => s.key === item[0]);
      if (!stream) continue;
      const entries = asEntries(item[1]);
      await this.handle(stream, entries);
      handled += entries.length;
    }
    return handled;
  }

  /** Takes over entries of consumers that stopped acknowledging (dead), oldest first. */
  private async claimAbandoned(): Promise<void> {
    for (const s of this.streams) {
      let cursor = '0-0';
      // Bounded: a claim pass never monopolises the loop; the rest is claimed on the next pass.
      for (let round = 0; round < 10; round++) {
        const reply = await this.deps.redis.call(
          'XAUTOCLAIM',
          s.key,
          this.config.group,
          this.config.consumer,
          this.config.claimIdleMs,
          cursor,
          'COUNT',
          this.config.batchSize,
        );
        if (!Array.isArray(reply)) break;
        const entries = asEntries(reply[1]);
        if (entries.length) {
          this.stats.claimed += entries.length;
          this.deps.log.info({ stream: s.name, entries: entries.length }, 'claimed entries a stopped consumer left');
          await this.handle(s, entries);
        }
        cursor = typeof reply[0] === 'string' ? reply[0] : '0-0';
        if (cursor === '0-0') break;
      }
    }
  }

  /** Parses, applies (one transaction), records rejections, then acknowledges: never before the commit. */
  private async handle(stream: StreamRef, entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const { metrics } = this.deps;
    const ack: string[] = [];
    const parsed: { entryId: string; event: ParsedEvent }[] = [];
    const ctx = this.domainContext(`events:${stream.source}`);
    for (const [entryId, fields] of entries) {
      if (fields === null) {
        // Trimmed (MAXLEN) after it was delivered to a consumer that died: nothing left to apply.
        ack.push(entryId);
        continue;
      }
      const text = fieldValue(fields, 'event');
      const result = parseEvent(text, stream.source, this.config.currency);
      if (result.ok) {
        parsed.push({ entryId, event: result.event });
        continue;
      }
      await recordRejection(ctx, {
        stream: stream.name,
        entryId,
        eventId: result.eventId,
        type: result.type,
        reasonCode: result.code,
        reason: result.reason,
        payload: text ?? JSON.stringify(fields),
      });
      this.deps.log.warn({ stream: stream.name, entryId, code: result.code, reason: result.reason }, 'event rejected');
      metrics.rejected(result.type, result.code);
      this.stats.rejected++;
      ack.push(entryId);
    }
    if (parsed.length > 0) {
      try {
        const { outcomes } = await applyEvents(
          ctx,
          parsed.map((p) => p.event),
        );
        this.count(
          parsed.map((p) => p.event),
          outcomes,
        );
        ack.push(...parsed.map((p) => p.entryId));
      } catch (err) {
        if (!refusedByDatabase(err)) {
          // Nothing of the batch committed; acknowledge what was settled, retry the rest after a backoff.
          await this.ack(stream, ack);
          throw err;
        }
        // One event's values are refused: apply them one by one so that only that event is rejected.
        for (const p of parsed) ack.push(...(await this.applyAlone(stream, p.entryId, p.event)));
      }
    }
    await this.ack(stream, ack);
  }

  private async applyAlone(stream: StreamRef, entryId: string, event: ParsedEvent): Promise<string[]> {
    const ctx = this.domainContext(event.envelope.correlationId ?? `events:${stream.source}`);
    try {
      const { outcomes } = await applyEvents(ctx, [event]);
      this.count([event], outcomes);
    } catch (err) {
      if (!refusedByDatabase(err)) throw err;
      await recordRejection(ctx, {
        stream: stream.name,
        entryId,
        eventId: event.envelope.id,
        type: event.envelope.type,
        reasonCode: 'refused_by_database',
        reason: `PostgreSQL refused its values (${pgErrorCode(err) ?? 'unknown code'})`,
        payload: JSON.stringify(event.envelope),
      });
      this.deps.metrics.rejected(event.envelope.type, 'refused_by_database');
      this.stats.rejected++;
    }
    return [entryId];
  }

  private count(events: ParsedEvent[], outcomes: Outcome[]): void {
    const now = Date.now();
    events.forEach((e, i) => {
      const outcome = outcomes[i] ?? 'duplicate';
      this.deps.metrics.processed(e.envelope.type, outcome);
      if (outcome === 'applied') this.deps.metrics.eventLag((now - e.envelope.occurredAt.getTime()) / 1000);
      if (outcome === 'applied') this.stats.applied++;
      else if (outcome === 'duplicate') this.stats.duplicates++;
      else this.stats.ignored++;
    });
  }

  private async ack(stream: StreamRef, ids: string[]): Promise<void> {
    if (ids.length) await this.deps.redis.call('XACK', stream.key, this.config.group, ...ids);
  }

  /** Lag and pending per stream into the gauges; consumers long gone removed from the group. */
  private async refreshInfo(): Promise<void> {
    const { lag, pending } = this.deps.metrics;
    for (const s of this.streams) {
      const groups = await this.deps.redis.call('XINFO', 'GROUPS', s.key);
      const mine = (Array.isArray(groups) ? groups : []).map(flatRecord).find((g) => g.name === this.config.group);
      if (!mine) continue;
      const pendingCount = Number(mine.pending ?? 0);
      // `lag` is null when Redis cannot tell (entries deleted mid-stream); pending alone is then the floor.
      const behind = mine.lag === null || mine.lag === undefined ? 0 : Number(mine.lag);
      const labels = { stream: s.name, group: this.config.group };
      lag.set(labels, behind + pendingCount);
      pending.set(labels, pendingCount);
      const consumers = await this.deps.redis.call('XINFO', 'CONSUMERS', s.key, this.config.group);
      for (const c of (Array.isArray(consumers) ? consumers : []).map(flatRecord)) {
        const idle = Number(c.idle ?? 0);
        if (c.name !== this.config.consumer && Number(c.pending ?? 0) === 0 && idle > FORGET_CONSUMER_AFTER_MS) {
          await this.deps.redis.call('XGROUP', 'DELCONSUMER', s.key, this.config.group, String(c.name));
        }
      }
    }
  }

  /** Reads the gauges now (tests, and the first scrape after start). */
  async refreshGauges(): Promise<void> {
    await this.refreshInfo();
  }
}
