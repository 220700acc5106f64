import { createHash } from 'node:crypto';
import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldNode,
  type SelectionSetNode,
} from 'graphql';
import type { Redis } from 'ioredis';
import type { Logger } from '../subgraphs/kit';

/**
 * The router's entity cache (issue 13): subgraph query fetches whose every top-level field the owning
 * subgraph marks `@cacheControl` (public and the same for every caller) are answered from memory, in
 * front of Redis, so that a plan whose fetches are all cached calls no subgraph.
 *
 *  - **Entity fetches** (`_entities`) are cached per entity: each representation (`Product` "prod-1")
 *    under the fetch's selection; a fetch asks its subgraph only for the entities it misses.
 *  - **Root fetches** (`products(first: 20)`, `product(id:)`) are cached per request text.
 *  - **Invalidation is by the owner's domain events** (router/cache-invalidation.ts reads the streams):
 *    an event of subgraph S drops the entities it names and every root entry of S (a list may change
 *    whenever one of its members does). `@cacheControl(maxAge)` is only a backstop TTL.
 *  - **Two layers**: an in-process map (per router process) in front of Redis (shared by every router
 *    replica). Every router reads every event and drops both layers; a write that started before an
 *    invalidation it raced is not kept (generations).
 *  - **Redis down means no cache**: while the invalidation stream cannot be read, nothing is read from
 *    or written to either layer, and the in-process layer is emptied when Redis comes back.
 *
 * Never anything caller-specific: only fields their owner marks, and the marks are for public data.
 */

export interface CacheHints {
  /** `Type.field` -> maxAge seconds, for every field marked @cacheControl in the supergraph. */
  fields: ReadonlyMap<string, number>;
  /**
   * The subgraphs that resolve a cacheable Query field: the only ones with root entries to drop when
   * a mutation goes through them. Unset (not a supergraph's marks): every subgraph may have some.
   */
  rootSubgraphs?: ReadonlySet<string>;
  /**
   * The subgraphs that resolve any cacheable field: the only ones whose fetches are cached, so the
   * only ones whose events can change a cached entry. Unset (not a supergraph's marks): every subgraph.
   */
  ownerSubgraphs?: ReadonlySet<string>;
}

/** The argument `name` of a directive, as an enum value's or a string's text. */
function directiveArgument(d: ConstDirectiveNode, name: string): string | undefined {
  const value = d.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.ENUM || value?.kind === Kind.STRING ? value.value : undefined;
}

/** Fields every fetch of an entity carries: they decide nothing about caching. */
const NEUTRAL = new Set(['__typename', 'id']);

function isTrue(d: ConstDirectiveNode, name: string): boolean {
  const value = d.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.BOOLEAN && value.value;
}

/**
 * The subgraphs owning the cacheable fields, by the supergraph's join marks: a field's @join__field
 * graphs, else (a field every subgraph defining the type shares) the type's @join__type graphs. `root`
 * holds those of Query's fields only. Undefined when the document names no graph (not a supergraph).
 */
function ownersOf(
  doc: DocumentNode,
  fields: ReadonlyMap<string, number>,
): { all: Set<string>; root: Set<string> } | undefined {
  const names = new Map<string, string>();
  const all = new Set<string>();
  const root = new Set<string>();
  const graphsOf = (directives: readonly ConstDirectiveNode[] | undefined, mark: string) =>
    (directives ?? []).filter((d) => d.name.value === mark).flatMap((d) => directiveArgument(d, 'graph') ?? []);
  for (const def of doc.definitions) {
    if (def.kind === Kind.ENUM_TYPE_DEFINITION && def.name.value === 'join__Graph') {
      for (const v of def.values ?? []) {
        const mark = v.directives?.find((d) => d.name.value === 'join__graph');
        const name = mark && directiveArgument(mark, 'name');
        if (name) names.set(v.name.value, name);
      }
    }
  }
  if (names.size === 0) return undefined;
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const typeGraphs = graphsOf(def.directives, 'join__type');
    for (const field of def.fields ?? []) {
      // An entity's key (`id`) is in every fetch of it and decides no fetch's caching (shapeOf).
      if (NEUTRAL.has(field.name.value) || !fields.has(`${def.name.value}.${field.name.value}`)) continue;
      const fieldGraphs = (field.directives ?? [])
        .filter((d) => d.name.value === 'join__field' && !isTrue(d, 'external'))
        .flatMap((d) => directiveArgument(d, 'graph') ?? []);
      for (const graph of fieldGraphs.length ? fieldGraphs : typeGraphs) {
        const owner = names.get(graph) ?? graph;
        all.add(owner);
        if (def.name.value === 'Query') root.add(owner);
      }
    }
  }
  return { all, root };
}

/** The @cacheControl marks of a supergraph: field-level, as owners put them on the fields they resolve. */
export function cacheHintsOf(supergraphSdl: string): CacheHints {
  const doc = parse(supergraphSdl, { noLocation: true });
  const fields = new Map<string, number>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const field of def.fields ?? []) {
      const mark = field.directives?.find((d) => d.name.value === 'cacheControl');
      if (!mark) continue;
      const maxAge = mark.arguments?.find((a) => a.name.value === 'maxAge')?.value;
      const scope = mark.arguments?.find((a) => a.name.value === 'scope')?.value;
      if (scope?.kind === Kind.ENUM && scope.value === 'PRIVATE') continue;
      const seconds = maxAge?.kind === Kind.INT ? Number(maxAge.value) : 0;
      if (seconds > 0) fields.set(`${def.name.value}.${field.name.value}`, seconds);
    }
  }
  const owners = ownersOf(doc, fields);
  return { fields, rootSubgraphs: owners?.root, ownerSubgraphs: owners?.all };
}

/** What a fetch is, read once per fetch text: whether it may be cached, and for how long at most. */
interface FetchShape {
  kind: 'entities' | 'root';
  cacheable: boolean;
  maxAgeMs: number;
  /** The entity types of an _entities fetch. */
  types: string[];
}

function topFields(
  set: SelectionSetNode,
  doc: DocumentNode,
  into: FieldNode[],
  types: string[],
  onType?: string,
): boolean {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) into.push(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const type = sel.typeCondition?.name.value ?? onType;
      if (!type) return false;
      types.push(type);
      for (const inner of sel.selectionSet.selections) {
        if (inner.kind !== Kind.FIELD) return false;
        into.push({ ...inner, name: { ...inner.name, value: `${type}.${inner.name.value}` } });
      }
    } else {
      const fragment = doc.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === sel.name.value,
      );
      if (!fragment || fragment.kind !== Kind.FRAGMENT_DEFINITION) return false;
      if (!topFields(fragment.selectionSet, doc, into, types, fragment.typeCondition.name.value)) return false;
    }
  }
  return true;
}

export function shapeOf(query: string, hints: CacheHints, allowTypes: ReadonlySet<string> | null): FetchShape {
  const none: FetchShape = { kind: 'root', cacheable: false, maxAgeMs: 0, types: [] };
  let doc: DocumentNode;
  try {
    doc = parse(query, { noLocation: true });
  } catch {
    return none;
  }
  const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op = ops[0];
  if (ops.length !== 1 || !op || op.kind !== Kind.OPERATION_DEFINITION || op.operation !== 'query') return none;
  const root: FieldNode[] = [];
  if (!topFields(op.selectionSet, doc, root, [])) return none;
  const entities = root.length === 1 && root[0]?.name.value === '_entities' ? root[0] : null;
  let fields: string[];
  const types: string[] = [];
  if (entities) {
    const inner: FieldNode[] = [];
    if (!entities.selectionSet || !topFields(entities.selectionSet, doc, inner, types)) return none;
    fields = inner.map((f) => f.name.value).filter((name) => !NEUTRAL.has(name.split('.')[1] ?? ''));
    if (types.length === 0 || (allowTypes && !types.every((t) => allowTypes.has(t)))) {
      return { ...none, kind: 'entities' };
    }
  } else {
    fields = root.map((f) => `Query.${f.name.value}`).filter((name) => name !== 'Query.__typename');
    if (allowTypes && !allowTypes.has('Query')) return none;
  }
  const ages = fields.map((f) => hints.fields.get(f));
  const cacheable = ages.length > 0 && ages.every((a) => a !== undefined);
  return {
    kind: entities ? 'entities' : 'root',
    cacheable,
    maxAgeMs: cacheable ? Math.min(...(ages as number[])) * 1000 : 0,
    types,
  };
}

/** One fetch as the data source makes it, and the call that answers a (possibly reduced) one. */
export interface CacheableFetch {
  subgraph: string;
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
  call: (variables: Record<string, unknown> | undefined) => Promise<{ status: number; text: string }>;
}

export interface CacheMetrics {
  lookup: (subgraph: string, type: string, result: 'hit' | 'miss') => void;
  invalidated: (subgraph: string, what: 'entity' | 'root') => void;
}

export interface EntityCacheOptions {
  hints: CacheHints;
  /** Shared layer; null: in-process only (tests, no REDIS_URL). */
  redis: Redis | null;
  /** Key prefix (REDIS_PREFIX). */
  prefix: string;
  log: Logger;
  metrics: CacheMetrics;
  /** Only these types (and `Query` for root fetches); null: every marked field. ENTITY_CACHE_TYPES. */
  types?: ReadonlySet<string> | null;
  /** Entries kept in process (least recently stored go first). */
  maxEntries?: number;
}

interface Entry {
  text: string;
  expires: number;
}

interface Representation {
  __typename: string;
  id: string;
}

const hash = (text: string) => createHash('sha1').update(text).digest('base64url');

function isRepresentation(value: unknown): value is Representation {
  const r = value as Partial<Representation> | null;
  return !!r && typeof r.__typename === 'string' && typeof r.id === 'string';
}

/** A whole answer: data and no error. */
function isCleanAnswer(text: string): boolean {
  try {
    const body = JSON.parse(text) as { data?: unknown; errors?: unknown };
    return body.data !== null && body.data !== undefined && body.errors === undefined;
  } catch {
    return false;
  }
}

/** An _entities answer whose list has exactly `n` entries, with the errors it carried. */
function entitiesOf(text: string, n: number): { list: unknown[]; errors: { path?: unknown[] }[] } | null {
  try {
    const body = JSON.parse(text) as { data?: { _entities?: unknown[] } | null; errors?: { path?: unknown[] }[] };
    const list = body.data?._entities;
    if (!Array.isArray(list) || list.length !== n) return null;
    return { list, errors: Array.isArray(body.errors) ? body.errors : [] };
  } catch {
    return null;
  }
}

export class EntityCache {
  private readonly shapes = new Map<string, FetchShape>();
  /** Entity tag (`subgraph|Type|id`) -> selection hash -> entry. */
  private readonly entities = new Map<string, Map<string, Entry>>();
  /** Subgraph -> request hash -> entry. */
  private readonly roots = new Map<string, Map<string, Entry>>();
  /** Bumped by every invalidation of a tag: a fetch that started before it does not store. */
  private readonly generations = new Map<string, number>();
  private readonly maxEntries: number;
  private stored = 0;
  /** False while the invalidation stream cannot be read (Redis down): no cache at all. */
  private live: boolean;
  /** Told of every invalidation (the response cache drops what it keeps). */
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly opts: EntityCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 50_000;
    this.live = opts.redis === null;
  }

  /** Set by the invalidation reader: reading (true) or not (false); coming back empties the process layer. */
  setLive(live: boolean): void {
    if (live && !this.live) this.clearLocal();
    if (live !== this.live) this.changed();
    this.live = live;
  }

  /** `listener` is called on every invalidation, and when the cache stops or starts hearing of changes. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Closes the shared layer's connection. */
  async close(): Promise<void> {
    this.live = false;
    this.opts.redis?.disconnect();
  }

  private shape(query: string): FetchShape {
    let s = this.shapes.get(query);
    if (!s) {
      s = shapeOf(query, this.opts.hints, this.opts.types ? new Set([...this.opts.types]) : null);
      if (this.shapes.size > 5_000) this.shapes.clear();
      this.shapes.set(query, s);
    }
    return s;
  }

  /** The fetch answered through the cache, or null when it is not the cache's to answer. */
  async fetch(f: CacheableFetch): Promise<{ status: number; text: string } | null> {
    if (!this.live) return null;
    // A subgraph owning no marked field has no events read for it: nothing of it may be kept.
    if (this.opts.hints.ownerSubgraphs && !this.opts.hints.ownerSubgraphs.has(f.subgraph)) return null;
    const shape = this.shape(f.query);
    if (!shape.cacheable) return null;
    return shape.kind === 'entities' ? this.fetchEntities(f, shape) : this.fetchRoot(f, shape);
  }

  // ---------- root fetches ----------

  private async fetchRoot(f: CacheableFetch, shape: FetchShape): Promise<{ status: number; text: string }> {
    const key = hash(`${f.operationName ?? ''}\n${f.query}\n${JSON.stringify(f.variables ?? {})}`);
    const now = Date.now();
    const local = this.roots.get(f.subgraph)?.get(key);
    if (local && local.expires > now) {
      this.opts.metrics.lookup(f.subgraph, 'Query', 'hit');
      return { status: 200, text: local.text };
    }
    const shared = await this.redisGet(this.rootKey(f.subgraph), [key]);
    const found = shared?.[0];
    if (found && found.expires > now) {
      this.opts.metrics.lookup(f.subgraph, 'Query', 'hit');
      this.keepLocal(this.roots, f.subgraph, key, found);
      return { status: 200, text: found.text };
    }
    this.opts.metrics.lookup(f.subgraph, 'Query', 'miss');
    const generation = this.generationOf(`${f.subgraph}|Query`);
    const res = await f.call(f.variables);
    if (res.status === 200 && isCleanAnswer(res.text) && generation === this.generationOf(`${f.subgraph}|Query`)) {
      const entry = { text: res.text, expires: Date.now() + shape.maxAgeMs };
      this.keepLocal(this.roots, f.subgraph, key, entry);
      this.redisSet(this.rootKey(f.subgraph), [[key, entry]], shape.maxAgeMs);
    }
    return res;
  }

  // ---------- entity fetches ----------

  private async fetchEntities(f: CacheableFetch, shape: FetchShape): Promise<{ status: number; text: string } | null> {
    const reps = f.variables?.representations;
    if (!Array.isArray(reps) || reps.length === 0 || !reps.every(isRepresentation)) return null;
    const { representations: _r, ...others } = f.variables ?? {};
    const selection = hash(`${f.query}\n${JSON.stringify(others)}`);
    const tags = reps.map((r) => `${f.subgraph}|${r.__typename}|${r.id}`);
    const now = Date.now();
    const texts: (string | undefined)[] = tags.map((tag) => {
      const e = this.entities.get(tag)?.get(selection);
      return e && e.expires > now ? e.text : undefined;
    });
    const missingLocal = texts.flatMap((t, i) => (t === undefined ? [i] : []));
    if (missingLocal.length && this.opts.redis) {
      const shared = await this.redisGetMany(
        missingLocal.map((i) => this.entityKey(tags[i]!)),
        selection,
      );
      missingLocal.forEach((i, k) => {
        const e = shared[k];
        if (e && e.expires > now) {
          texts[i] = e.text;
          this.keepLocal(this.entities, tags[i]!, selection, e);
        }
      });
    }
    reps.forEach((r, i) => this.opts.metrics.lookup(f.subgraph, r.__typename, texts[i] === undefined ? 'miss' : 'hit'));
    const misses = texts.flatMap((t, i) => (t === undefined ? [i] : []));
    let errors: { path?: unknown[] }[] = [];
    if (misses.length) {
      const generations = misses.map((i) => this.generationOf(tags[i]!));
      const res = await f.call({ ...f.variables, representations: misses.map((i) => reps[i]) });
      const answer = res.status === 200 ? entitiesOf(res.text, misses.length) : null;
      // An answer this cache cannot take apart is passed on as it came, for the whole fetch... unless
      // some entities came from the cache: then the fetch is asked again whole.
      if (!answer) return misses.length === reps.length ? res : f.call(f.variables);
      const failed = new Set<number>();
      errors = answer.errors.map((e) => {
        const path = Array.isArray(e.path) ? [...e.path] : undefined;
        if (path && path[0] === '_entities' && typeof path[1] === 'number') {
          failed.add(path[1]);
          path[1] = misses[path[1]] ?? path[1];
        }
        return path ? { ...e, path } : e;
      });
      const toShare: [string, string, Entry][] = [];
      misses.forEach((i, k) => {
        const value = answer.list[k];
        const text = JSON.stringify(value ?? null);
        texts[i] = text;
        // Only whole answers are kept: no null (unknown entity), no entity an error points at, and
        // nothing an invalidation overtook while the call was in flight.
        if (value === null || value === undefined || failed.has(k) || answer.errors.some((e) => !Array.isArray(e.path)))
          return;
        if (generations[k] !== this.generationOf(tags[i]!)) return;
        const entry = { text, expires: Date.now() + shape.maxAgeMs };
        this.keepLocal(this.entities, tags[i]!, selection, entry);
        toShare.push([this.entityKey(tags[i]!), selection, entry]);
      });
      this.redisSetMany(toShare, shape.maxAgeMs);
    }
    const data = `{"_entities":[${texts.map((t) => t ?? 'null').join(',')}]}`;
    return {
      status: 200,
      text: errors.length ? `{"data":${data},"errors":${JSON.stringify(errors)}}` : `{"data":${data}}`,
    };
  }

  // ---------- invalidation ----------

  /**
   * Drops what an event of `subgraph` names (its entities) and every root entry of that subgraph;
   * `entities` null drops every entry of the subgraph (an event the cache cannot tie to entities).
   */
  async invalidate(subgraph: string, entities: readonly { type: string; id: string }[] | null): Promise<void> {
    if (entities === null) return this.invalidateAll(subgraph);
    // A mutation through a subgraph that has no cacheable root field: nothing of it is stored, here or
    // by another router (same supergraph), so no Redis round trip before the mutation is sent.
    const rootless = this.opts.hints.rootSubgraphs && !this.opts.hints.rootSubgraphs.has(subgraph);
    if (rootless && entities.length === 0) return;
    this.changed();
    const keys: string[] = [];
    if (!rootless) {
      keys.push(this.rootKey(subgraph));
      this.bump(`${subgraph}|Query`);
      this.roots.delete(subgraph);
      this.opts.metrics.invalidated(subgraph, 'root');
    }
    for (const { type, id } of entities) {
      if (id === '*') {
        await this.invalidateMatching(`${subgraph}|${type}|`);
        continue;
      }
      const tag = `${subgraph}|${type}|${id}`;
      this.bump(tag);
      this.entities.delete(tag);
      keys.push(this.entityKey(tag));
      this.opts.metrics.invalidated(subgraph, 'entity');
    }
    if (this.opts.redis && this.live && keys.length) {
      try {
        await this.opts.redis.del(...keys);
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'entity cache: could not drop shared entries');
      }
    }
  }

  private async invalidateAll(subgraph: string): Promise<void> {
    await this.invalidateMatching(`${subgraph}|`);
    await this.invalidate(subgraph, []);
  }

  /** Drops every entity whose tag starts with `start` (a subgraph, or a subgraph's type), in both layers. */
  private async invalidateMatching(start: string): Promise<void> {
    this.changed();
    for (const tag of [...this.entities.keys()]) if (tag.startsWith(start)) this.entities.delete(tag);
    for (const tag of this.generations.keys()) if (tag.startsWith(start)) this.bump(tag);
    // A tag never seen here may have been stored by another router: moves on too, for this one's fetches.
    this.bump(`${start}*`);
    this.opts.metrics.invalidated(start.split('|')[0] ?? start, 'entity');
    const redis = this.opts.redis;
    if (!redis || !this.live) return;
    try {
      // Entries other routers stored are found by their prefix.
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${this.opts.prefix}ec:${start}*`, 'COUNT', 500);
        cursor = next;
        if (found.length) await redis.del(...found);
      } while (cursor !== '0');
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'entity cache: could not drop shared entries');
    }
  }

  private bump(tag: string): void {
    this.generations.set(tag, (this.generations.get(tag) ?? 0) + 1);
  }

  /** A tag's generation moves with its own invalidations and with those of its type and subgraph. */
  private generationOf(tag: string): number {
    const [subgraph, type] = tag.split('|');
    return (
      (this.generations.get(tag) ?? 0) +
      (this.generations.get(`${subgraph}|*`) ?? 0) +
      (type && type !== 'Query' ? (this.generations.get(`${subgraph}|${type}|*`) ?? 0) : 0)
    );
  }

  private clearLocal(): void {
    this.entities.clear();
    this.roots.clear();
    this.stored = 0;
    // Every tag moves on: a fetch in flight across the outage stores nothing.
    for (const tag of this.generations.keys()) this.bump(tag);
  }

  // ---------- layers ----------

  private keepLocal(map: Map<string, Map<string, Entry>>, outer: string, inner: string, entry: Entry): void {
    if (this.stored >= this.maxEntries) {
      // Coarse but bounded: the oldest stored tag goes first (Map keeps insertion order).
      const oldest = map.keys().next().value;
      if (oldest !== undefined) {
        this.stored -= map.get(oldest)?.size ?? 0;
        map.delete(oldest);
      }
    }
    let m = map.get(outer);
    if (!m) {
      m = new Map();
      map.set(outer, m);
    }
    if (!m.has(inner)) this.stored += 1;
    m.set(inner, entry);
  }

  private entityKey(tag: string): string {
    return `${this.opts.prefix}ec:${tag}`;
  }

  private rootKey(subgraph: string): string {
    return `${this.opts.prefix}ec:${subgraph}|Query`;
  }

  private async redisGet(key: string, fields: string[]): Promise<(Entry | null)[] | null> {
    if (!this.opts.redis) return null;
    try {
      const values = await this.opts.redis.hmget(key, ...fields);
      return values.map((v) => (v ? (JSON.parse(v) as Entry) : null));
    } catch {
      return null;
    }
  }

  private async redisGetMany(keys: string[], field: string): Promise<(Entry | null)[]> {
    const redis = this.opts.redis;
    if (!redis) return keys.map(() => null);
    try {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.hget(key, field);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([err, v]) => (!err && typeof v === 'string' ? (JSON.parse(v) as Entry) : null));
    } catch {
      return keys.map(() => null);
    }
  }

  private redisSet(key: string, entries: [string, Entry][], ttlMs: number): void {
    this.redisSetMany(
      entries.map(([field, entry]) => [key, field, entry]),
      ttlMs,
    );
  }

  /** Fire and forget: a write the cache could not make is a later miss, never an error. */
  private redisSetMany(entries: [string, string, Entry][], ttlMs: number): void {
    const redis = this.opts.redis;
    if (!redis || entries.length === 0 || !this.live) return;
    const pipeline = redis.pipeline();
    for (const [key, field, entry] of entries) {
      pipeline.hset(key, field, JSON.stringify(entry));
      pipeline.pexpire(key, ttlMs);
    }
    pipeline.exec().catch((err: unknown) => {
      this.opts.log.debug({ err: (err as Error).message }, 'entity cache: shared write failed');
    });
  }
}
