import { badInput } from './errors';

export const MAX_PAGE_SIZE = 100;

/** Validates a Relay `first` argument: 0..max, the default when absent, a clear error otherwise. */
export function checkFirst(first: number | null | undefined, defaultSize = 20, max = MAX_PAGE_SIZE): number {
  if (first === null || first === undefined) return defaultSize;
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw badInput(`"first" must be between 0 and ${max}; got ${first}`, { argument: 'first', max });
  }
  return first;
}

/**
 * What each position of a cursor holds: `string` (a name or an id: no control characters, at most
 * 500 characters), `int` (a safe integer >= 0) or `bigint` (a PostgreSQL bigint >= 0, carried as a
 * decimal string so no precision is lost).
 */
export type CursorPart = 'string' | 'int' | 'bigint';
type PartValue<P extends CursorPart> = P extends 'int' ? number : string;
export type CursorValues<S extends readonly CursorPart[]> = { [K in keyof S]: PartValue<S[K]> };

const MAX_CURSOR_LENGTH = 2_000;
const MAX_CURSOR_STRING = 500;
const CONTROL = /[\u0000-\u001f\u007f]/;
const BIGINT_MAX = 9223372036854775807n;

function partOk(part: CursorPart, value: unknown): boolean {
  switch (part) {
    case 'string':
      return typeof value === 'string' && value.length <= MAX_CURSOR_STRING && !CONTROL.test(value);
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'bigint':
      return typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= BIGINT_MAX;
  }
}

/** Cursors are opaque to clients: base64url of a JSON array of the keyset values. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * The one cursor decoder: null when absent, the keyset values when the cursor has exactly the given
 * shape, BAD_USER_INPUT for anything else (not base64url JSON, wrong arity, wrong types, NUL or other
 * control characters, numbers out of range), so an edited cursor never reaches SQL.
 */
export function decodeCursor<const S extends readonly CursorPart[]>(
  cursor: string | null | undefined,
  shape: S,
  argument = 'after',
): CursorValues<S> | null {
  if (cursor === null || cursor === undefined) return null;
  if (cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]*$/.test(cursor)) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(parsed) && parsed.length === shape.length && shape.every((p, i) => partOk(p, parsed[i]))) {
        return parsed as CursorValues<S>;
      }
    } catch {
      // fall through: a cursor the client edited is bad input, not a crash
    }
  }
  throw badInput(`"${argument}" is not a cursor returned by this API`, { argument });
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number | (() => Promise<number>);
}

/**
 * Builds a connection from rows fetched with LIMIT first+1 (the extra row says whether there is a
 * next page). totalCount may be a thunk so that its SQL runs only when the client asks for it.
 */
export function toConnection<T>(
  rows: readonly T[],
  first: number,
  cursorOf: (row: T) => string,
  totalCount: number | (() => Promise<number>),
  hasPrevious = false,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/**
 * A connection whose parts are thunks (graphql-js calls a function-valued property): edges and
 * pageInfo share one page query that runs only when either is selected, and totalCount's COUNT runs
 * only when it is selected, in parallel with the page query.
 */
export interface LazyConnection<T> {
  edges: () => Promise<Edge<T>[]>;
  pageInfo: () => Promise<PageInfo>;
  totalCount: () => Promise<number>;
}

export function lazyConnection<T>(opts: {
  /** Up to first+1 rows after the cursor. */
  rows: () => Promise<readonly T[]>;
  first: number;
  cursorOf: (row: T) => string;
  count: () => Promise<number>;
  hasPrevious: boolean;
}): LazyConnection<T> {
  let page: Promise<Connection<T>> | undefined;
  const load = () =>
    (page ??= opts.rows().then((rows) => toConnection(rows, opts.first, opts.cursorOf, 0, opts.hasPrevious)));
  let count: Promise<number> | undefined;
  return {
    edges: () => load().then((c) => c.edges),
    pageInfo: () => load().then((c) => c.pageInfo),
    totalCount: () => (count ??= opts.count()),
  };
}
