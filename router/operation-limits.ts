import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getNullableType,
  isListType,
  parse,
  validate,
  visit,
  type DocumentNode,
  type OperationTypeNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { MAX_PAGE_SIZE } from '../subgraphs/kit/pagination';

/**
 * Operation limits, checked by the router before Apollo Server parses, validates or plans anything
 * (ADR 0014): a request over a limit costs one bounded parse and a walk of its document, so a burst
 * of abusive documents cannot slow ordinary traffic. Counting is done by graphql-armor's rules
 * (aliases, depth, directives, fragments followed once) and graphql-query-complexity (cost with
 * variables); the limits, codes and messages are ours.
 */
export interface OperationLimits {
  /** Lexical tokens in the document (MAX_QUERY_TOKENS). */
  maxTokens: number;
  /** Field nesting, fragments flattened, introspection not counted (MAX_QUERY_DEPTH). */
  maxDepth: number;
  /** Aliased fields in an operation, fragments included (MAX_QUERY_ALIASES). */
  maxAliases: number;
  /** Fields at the root of an operation (MAX_QUERY_ROOT_FIELDS). */
  maxRootFields: number;
  /** Directives used in an operation (MAX_QUERY_DIRECTIVES). */
  maxDirectives: number;
  /** Estimated cost (MAX_QUERY_COST): see costEstimator. */
  maxCost: number;
  /** Page size assumed for a connection whose `first` is absent: the subgraphs' default page (20). */
  defaultPageSize: number;
  /** Items assumed for a plain list field (categories, levels, lines...). */
  defaultListSize: number;
}

export const DEFAULT_LIMITS: Readonly<OperationLimits> = {
  maxTokens: 2_000,
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 20,
  maxCost: 10_000,
  defaultPageSize: 20,
  defaultListSize: 10,
};

const ENV: Record<keyof OperationLimits, string> = {
  maxTokens: 'MAX_QUERY_TOKENS',
  maxDepth: 'MAX_QUERY_DEPTH',
  maxAliases: 'MAX_QUERY_ALIASES',
  maxRootFields: 'MAX_QUERY_ROOT_FIELDS',
  maxDirectives: 'MAX_QUERY_DIRECTIVES',
  maxCost: 'MAX_QUERY_COST',
  defaultPageSize: 'QUERY_COST_DEFAULT_PAGE_SIZE',
  defaultListSize: 'QUERY_COST_DEFAULT_LIST_SIZE',
};

/** The limits with environment overrides; a value that is not a positive integer stops the router. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): OperationLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(ENV) as (keyof OperationLimits)[]) {
    const raw = env[ENV[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${ENV[key]} must be a positive integer; got ${raw}`);
    limits[key] = n;
  }
  return limits;
}

export type LimitKind = 'tokens' | 'depth' | 'aliases' | 'root_fields' | 'directives' | 'cost';

const CODES: Record<LimitKind, string> = {
  tokens: 'TOKEN_LIMIT_EXCEEDED',
  depth: 'DEPTH_LIMIT_EXCEEDED',
  aliases: 'ALIAS_LIMIT_EXCEEDED',
  root_fields: 'ROOT_FIELD_LIMIT_EXCEEDED',
  directives: 'DIRECTIVE_LIMIT_EXCEEDED',
  cost: 'COST_LIMIT_EXCEEDED',
};

export interface Refusal {
  kind: LimitKind;
  code: string;
  message: string;
  limit: number;
  /** What the operation has; for tokens, a lower bound when counting stopped early. */
  value: number;
}

/** Every code a limit refusal carries. */
export const LIMIT_CODES: readonly string[] = Object.values(CODES);

function refusal(kind: LimitKind, limit: number, value: number, message: string): Refusal {
  return { kind, code: CODES[kind], limit, value, message };
}

/** Tokens of a document, counted up to `cap` (so an enormous document costs a bounded lexer run). */
export function countTokens(query: string, cap: number): number {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  try {
    while (n < cap && lexer.advance().kind !== TokenKind.EOF) n++;
  } catch {
    // A lexical error: the tokens before it are what counted.
  }
  return n;
}

function rootFieldCount(doc: DocumentNode): number {
  const fragments = new Map<string, SelectionSetNode>();
  for (const def of doc.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def.selectionSet);
  const count = (set: SelectionSetNode, seen: Set<string>): number => {
    let n = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) n += sel.name.value.startsWith('__') ? 0 : 1;
      else if (sel.kind === Kind.INLINE_FRAGMENT) n += count(sel.selectionSet, seen);
      else if (!seen.has(sel.name.value)) {
        const frag = fragments.get(sel.name.value);
        if (frag) n += count(frag, new Set([...seen, sel.name.value]));
      }
    }
    return n;
  };
  let most = 0;
  for (const def of doc.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) most = Math.max(most, count(def.selectionSet, new Set()));
  }
  return most;
}

/** What does not depend on variables: computed once per distinct document. */
interface StaticFigures {
  depth: number;
  aliases: number;
  directives: number;
  rootFields: number;
}

/** Runs graphql-armor's counting rules with no limit of their own and collects their figures. */
function staticFigures(schema: GraphQLSchema, doc: DocumentNode): StaticFigures {
  const figures = { depth: 0, aliases: 0, directives: 0 };
  const keep = (key: keyof typeof figures) => [
    (_ctx: ValidationContext | null, { n }: { n: number }) => (figures[key] = Math.max(figures[key], n)),
  ];
  const unlimited = Number.MAX_SAFE_INTEGER;
  validate(schema, doc, [
    maxDepthRule({ n: unlimited, flattenFragments: true, ignoreIntrospection: true, onAccept: keep('depth') }),
    maxAliasesRule({ n: unlimited, onAccept: keep('aliases') }),
    maxDirectivesRule({ n: unlimited, onAccept: keep('directives') }),
  ]);
  return { ...figures, rootFields: rootFieldCount(doc) };
}

/**
 * The cost model: every field but `__typename` costs 1; a field with a `first` (or `limit`) argument costs 1 plus its
 * selection times that number (the default page size when absent); a plain list field costs 1 plus
 * its selection times defaultListSize; a connection's `edges` is already sized by its `first`.
 * Nested lists multiply.
 */
export function costEstimator(
  limits: Pick<OperationLimits, 'defaultPageSize' | 'defaultListSize'>,
): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    // Answered from the object's type, no work for any subgraph; Apollo Client adds it to every
    // selection set, so a client's document costs what the operation as written costs.
    if (field.name === '__typename') return 0;
    const sized = field.args.find((a) => a.name === 'first' || a.name === 'limit');
    let size = 1;
    if (sized) {
      const given = args[sized.name] as unknown;
      // Subgraphs refuse a page larger than MAX_PAGE_SIZE with a clear BAD_USER_INPUT, so a larger
      // `first` is priced at that size and left for them to refuse.
      size = typeof given === 'number' && given >= 0 ? Math.min(given, MAX_PAGE_SIZE) : limits.defaultPageSize;
    } else if (isListType(getNullableType(field.type))) {
      const inConnection = field.name === 'edges' && type.name.endsWith('Connection');
      size = inConnection ? 1 : limits.defaultListSize;
    }
    // childComplexity is 0 for a leaf, the summed cost of the selection for an object.
    return 1 + size * childComplexity;
  };
}

interface CacheEntry {
  doc: DocumentNode | null;
  refusal: Refusal | null;
  figures: StaticFigures | null;
  /** The variables the cost can depend on (costVariables); the cost is kept per their values. */
  costVariables: string[];
  /** Operation name and those variables' values -> cost. */
  costs: Map<string, number>;
}

/** The entry of a document that does not parse: refused (too many tokens) or left to Apollo Server. */
const unparsed = (refused: Refusal | null): CacheEntry => ({
  doc: null,
  figures: null,
  refusal: refused,
  costVariables: [],
  costs: new Map(),
});

/** Costs kept per document: one per distinct page size a client sends, in practice a handful. */
const COSTS_PER_DOCUMENT = 64;

/** The names of the variables in a value (a variable, or one inside a list or an input object). */
function variablesIn(value: ValueNode, into: Set<string>): void {
  if (value.kind === Kind.VARIABLE) into.add(value.name.value);
  else if (value.kind === Kind.LIST) for (const v of value.values) variablesIn(v, into);
  else if (value.kind === Kind.OBJECT) for (const f of value.fields) variablesIn(f.value, into);
}

/**
 * The variables that can change a document's cost (costEstimator): those given to a `first` or
 * `limit` argument, and to a directive (`@include(if:)` and `@skip(if:)` decide what is counted).
 * Every other variable (a mutation's input, an id, a filter) leaves the cost as it is.
 */
export function costVariables(doc: DocumentNode): string[] {
  const names = new Set<string>();
  visit(doc, {
    Field(node) {
      for (const arg of node.arguments ?? []) {
        if (arg.name.value === 'first' || arg.name.value === 'limit') variablesIn(arg.value, names);
      }
    },
    Directive(node) {
      for (const arg of node.arguments ?? []) variablesIn(arg.value, names);
    },
  });
  return [...names].sort();
}

export interface ScreenRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * Screens requests against the limits. Documents are cached by text (the clients' operations are a
 * small set), so the steady state is a map lookup plus the variable-dependent cost.
 */
export class OperationScreen {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly estimator: ComplexityEstimator;

  constructor(
    private readonly schema: GraphQLSchema,
    readonly limits: OperationLimits,
    private readonly cacheSize = 1_000,
  ) {
    this.estimator = costEstimator(limits);
  }

  /** A refusal, or null when the request is within every limit (or is not ours to judge: bad syntax). */
  screen(request: ScreenRequest): Refusal | null {
    const entry = this.entry(request.query);
    if (entry.refusal || !entry.doc) return entry.refusal;
    const variables = request.variables ?? {};
    // A sale or a checkout sends new values every time, none of which changes its cost: computed once.
    // An absent variable ([]) and a null one ([null]) differ: the first takes the operation's default.
    const values = entry.costVariables.map((n) => (n in variables ? [variables[n]] : []));
    const key = `${request.operationName ?? ''}\n${JSON.stringify(values)}`;
    let cost = entry.costs.get(key);
    if (cost === undefined) {
      try {
        cost = getComplexity({
          schema: this.schema,
          query: entry.doc,
          variables,
          operationName: request.operationName ?? undefined,
          estimators: [this.estimator],
        });
      } catch {
        // Invalid variables or an unknown operation name: Apollo Server answers that with its own error.
        return null;
      }
      if (entry.costs.size >= COSTS_PER_DOCUMENT) entry.costs.clear();
      entry.costs.set(key, cost);
    }
    const max = this.limits.maxCost;
    return cost > max
      ? refusal('cost', max, cost, `Operation has an estimated cost of ${cost}; the limit is ${max}`)
      : null;
  }

  /**
   * Whether the request's operation is a query, a mutation or a subscription, from the cached parse;
   * null when the document does not parse or names no such operation (Apollo Server answers those).
   */
  operationType(query: string, operationName: string | null | undefined): OperationTypeNode | null {
    const doc = this.entry(query).doc;
    if (!doc) return null;
    const operations = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const chosen = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
    if (!chosen || (!operationName && operations.length > 1)) return null;
    return chosen.operation;
  }

  private entry(query: string): CacheEntry {
    const hit = this.cache.get(query);
    if (hit) return hit;
    const entry = this.judge(query);
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(query, entry);
    return entry;
  }

  private judge(query: string): CacheEntry {
    const { limits } = this;
    let doc: DocumentNode;
    try {
      doc = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
    } catch (err) {
      if (err instanceof GraphQLError && /more tha[nt] \d+ tokens/.test(err.message)) {
        const value = countTokens(query, limits.maxTokens * 100);
        const shown = value >= limits.maxTokens * 100 ? `more than ${value}` : String(value);
        return unparsed(
          refusal('tokens', limits.maxTokens, value, `Operation has ${shown} tokens; the limit is ${limits.maxTokens}`),
        );
      }
      return unparsed(null);
    }
    const figures = staticFigures(this.schema, doc);
    const over: [LimitKind, number, number, string][] = [
      [
        'depth',
        limits.maxDepth,
        figures.depth,
        `Operation is nested ${figures.depth} levels deep; the limit is ${limits.maxDepth}`,
      ],
      [
        'aliases',
        limits.maxAliases,
        figures.aliases,
        `Operation has ${figures.aliases} aliases; the limit is ${limits.maxAliases}`,
      ],
      [
        'root_fields',
        limits.maxRootFields,
        figures.rootFields,
        `Operation selects ${figures.rootFields} root fields; the limit is ${limits.maxRootFields}`,
      ],
      [
        'directives',
        limits.maxDirectives,
        figures.directives,
        `Operation uses ${figures.directives} directives; the limit is ${limits.maxDirectives}`,
      ],
    ];
    const first = over.find(([, limit, value]) => value > limit);
    return {
      doc,
      figures,
      refusal: first ? refusal(first[0], first[1], first[2], first[3]) : null,
      costVariables: costVariables(doc),
      costs: new Map(),
    };
  }
}
