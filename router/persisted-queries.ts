/**
 * Persisted queries: the documents the router can run from an id (the sha256 of the document's text)
 * instead of the text itself (ADR 0027).
 *
 *  - **The manifest** (schema/operations/persisted-query-manifest.json, `npm run operations:manifest`):
 *    the trusted documents, every client operation as Apollo Client sends it. Its ids are always hits,
 *    without Redis, and are the only ids first-party consumers may send when enforcement is on.
 *  - **Automatic persisted queries** (Apollo's APQ protocol): a client sends the hash alone; on a miss
 *    it sends hash and text, which the router checks and keeps, in an in-process LRU in front of Redis
 *    (shared by every router replica, with a TTL). Redis is only a cache: when it does not answer, a
 *    lookup is a miss (the client sends the text again) and a write is dropped.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from '../subgraphs/kit';

export const MANIFEST_PATH = path.join(__dirname, '..', 'schema', 'operations', 'persisted-query-manifest.json');

export interface ManifestOperation {
  /** sha256 hex of `body`. */
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The document as Apollo Client sends it: the operation and its fragments, with __typename added. */
  body: string;
}

/** Apollo's persisted query manifest format (what @apollo/generate-persisted-query-manifest writes). */
export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const HASH = /^[0-9a-f]{64}$/;

/** A sha256 hex digest as the APQ protocol sends it (lower case, 64 characters). */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && HASH.test(value);
}

/** Reads and checks a manifest: the format, and every id is the hash of its body. */
export function parseManifest(text: string, where = 'manifest'): PersistedQueryManifest {
  const raw: unknown = JSON.parse(text);
  const m = raw as Partial<PersistedQueryManifest> | null;
  if (!m || m.format !== 'apollo-persisted-query-manifest' || m.version !== 1 || !Array.isArray(m.operations)) {
    throw new Error(`${where}: not an apollo-persisted-query-manifest version 1`);
  }
  for (const op of m.operations) {
    if (typeof op?.body !== 'string' || !isSha256Hex(op.id) || sha256Hex(op.body) !== op.id) {
      throw new Error(`${where}: operation ${String(op?.name)} has an id that is not the sha256 of its body`);
    }
  }
  return m as PersistedQueryManifest;
}

export function loadManifest(file = MANIFEST_PATH): PersistedQueryManifest {
  return parseManifest(fs.readFileSync(file, 'utf8'), file);
}

/** A map that forgets the entry used least recently past `size` entries. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.size) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  get length(): number {
    return this.map.size;
  }
}

export type LookupSource = 'manifest' | 'memory' | 'redis';

export interface PersistedQueryStoreOptions {
  manifest: PersistedQueryManifest;
  /** null: the in-process layer only (no REDIS_URL). */
  redis: Redis | null;
  /** Redis key prefix (REDIS_PREFIX); the key is `<prefix>apq:<hash>`. */
  prefix: string;
  ttlSeconds: number;
  /** Entries of the in-process layer. */
  memoryEntries: number;
  /** A Redis read slower than this is a miss: the client resends the text, which always works. */
  redisTimeoutMs?: number;
  log: Logger;
}

export class PersistedQueryStore {
  private readonly byId = new Map<string, ManifestOperation>();
  private readonly memory: Lru<string>;
  private readonly redis: Redis | null;
  private readonly timeoutMs: number;

  constructor(private readonly opts: PersistedQueryStoreOptions) {
    for (const op of opts.manifest.operations) this.byId.set(op.id, op);
    this.memory = new Lru(opts.memoryEntries);
    this.redis = opts.redis;
    this.timeoutMs = opts.redisTimeoutMs ?? 250;
  }

  /** The trusted document with this id, if the manifest has one. */
  manifestOperation(id: string): ManifestOperation | undefined {
    return this.byId.get(id);
  }

  /** Without waiting: the manifest and the in-process layer (the router's in-flight sharing asks this). */
  peek(id: string): string | undefined {
    return this.byId.get(id)?.body ?? this.memory.get(id);
  }

  async lookup(id: string): Promise<{ query: string; source: LookupSource } | null> {
    const manifest = this.byId.get(id);
    if (manifest) return { query: manifest.body, source: 'manifest' };
    const remembered = this.memory.get(id);
    if (remembered !== undefined) return { query: remembered, source: 'memory' };
    const stored = await this.readRedis(id);
    // Only a text that still hashes to the id is run: whatever wrote to Redis, an id means one document.
    if (stored === null || sha256Hex(stored) !== id) return null;
    this.memory.set(id, stored);
    return { query: stored, source: 'redis' };
  }

  /** Keeps a checked document (its hash verified, validated by the router); never waits for Redis. */
  register(id: string, query: string): void {
    if (this.byId.has(id)) return;
    this.memory.set(id, query);
    const redis = this.redis;
    if (!redis || redis.status !== 'ready') return;
    redis.set(this.key(id), query, 'EX', this.opts.ttlSeconds).catch((err: Error) => {
      this.opts.log.warn({ err: { message: err.message } }, 'persisted query not written to Redis');
    });
  }

  async close(): Promise<void> {
    if (this.redis) this.redis.disconnect();
  }

  private key(id: string): string {
    return `${this.opts.prefix}apq:${id}`;
  }

  private async readRedis(id: string): Promise<string | null> {
    const redis = this.redis;
    // While Redis is away ioredis would queue the command until it reconnects: a miss now is better.
    if (!redis || redis.status !== 'ready') return null;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.timeoutMs);
    });
    try {
      return await Promise.race([redis.get(this.key(id)), timeout]);
    } catch (err) {
      this.opts.log.warn({ err: { message: (err as Error).message } }, 'persisted query lookup in Redis failed');
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
