/**
 * How long a shared cache (Kong, a CDN) may keep a query's answer, from the owners' @cacheControl
 * marks (the same marks the entity cache reads, router/entity-cache.ts `cacheHintsOf`; ADR 0027).
 *
 * An answer is public for the smallest maxAge of its fields when every field it selects is covered:
 *  - a root field, or a field of an entity (a type with a @key: its fields may come from any
 *    subgraph), needs its own mark;
 *  - a field of a value type (a connection, an edge, `Money`, `ProductStock`... no @key) is resolved
 *    by the subgraph that returned its parent, as part of that parent's value, and is covered by the
 *    parent's mark (Apollo's `inheritMaxAge`);
 *  - `__typename` is neutral; introspection and fields of abstract types are never covered.
 * Anything else (a cart, `me`, sales figures, stock levels per location) leaves the answer private.
 * The caller decides the rest (a query, over GET, without Authorization, answered without errors).
 */
import {
  isAbstractType,
  Kind,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { CacheHints } from './entity-cache';
import { Lru } from './persisted-queries';

/** Object and interface types with a @key in the supergraph (`@join__type(graph: X, key: "...")`). */
export function entityTypesOf(supergraphSdl: string): Set<string> {
  const types = new Set<string>();
  for (const def of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const keyed = def.directives?.some(
      (d) => d.name.value === 'join__type' && d.arguments?.some((a) => a.name.value === 'key'),
    );
    if (keyed) types.add(def.name.value);
  }
  return types;
}

export class CachePolicies {
  private readonly known = new Lru<number>(2000);

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly hints: CacheHints,
    private readonly entities: ReadonlySet<string>,
  ) {}

  /**
   * The seconds a shared cache may keep the answer to `query` (its text, the memo's key), or 0 when
   * some field is not covered. Every definition of the document counts, whatever @skip/@include say.
   */
  maxAge(query: string, document: DocumentNode): number {
    const memo = this.known.get(query);
    if (memo !== undefined) return memo;
    const seconds = this.compute(document);
    this.known.set(query, seconds);
    return seconds;
  }

  /** The same for a document given as text, parsed only when not known yet; 0 when it does not parse. */
  maxAgeOfText(query: string): number {
    const memo = this.known.get(query);
    if (memo !== undefined) return memo;
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      return 0;
    }
    return this.maxAge(query, document);
  }

  private compute(document: DocumentNode): number {
    const typeInfo = new TypeInfo(this.schema);
    const rootNames = new Set(
      [this.schema.getQueryType(), this.schema.getMutationType(), this.schema.getSubscriptionType()]
        .filter((t) => t !== null && t !== undefined)
        .map((t) => t.name),
    );
    let min = Infinity;
    let covered = true;
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        [Kind.FIELD]: (node) => {
          if (!covered) return false;
          const name = node.name.value;
          if (name === '__typename') return undefined;
          const parent = typeInfo.getParentType();
          if (name.startsWith('__') || !parent || isAbstractType(parent)) {
            covered = false;
            return false;
          }
          const hint = this.hints.fields.get(`${parent.name}.${name}`);
          if (hint !== undefined) min = Math.min(min, hint);
          else if (rootNames.has(parent.name) || this.entities.has(parent.name)) {
            covered = false;
            return false;
          }
          return undefined;
        },
      }),
    );
    return covered && Number.isFinite(min) ? min : 0;
  }
}
