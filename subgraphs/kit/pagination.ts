import { badInput } from './errors';

export const MAX_PAGE_SIZE = 100;

/** Validates a Relay `first` argument: 0..MAX_PAGE_SIZE, with a clear error otherwise. */
export function checkFirst(first: number | null | undefined, defaultSize = 20, max = MAX_PAGE_SIZE): number {
  if (first === null || first === undefined) return defaultSize;
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw badInput(`"first" must be between 0 and ${max}; got ${first}`, { argument: 'first', max });
  }
  return first;
}

/** Cursors are opaque to clients: base64url of a JSON array of the keyset values. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, arity: number): (string | number)[] | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === arity &&
      parsed.every((v) => typeof v === 'string' || typeof v === 'number')
    ) {
      return parsed as (string | number)[];
    }
  } catch {
    // fall through to the error below: a cursor the client edited is bad input, not a crash
  }
  throw badInput('"after" is not a cursor returned by this API', { argument: 'after' });
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number | (() => Promise<number>);
}

/**
 * Builds a connection from rows fetched with LIMIT first+1 (the extra row says whether there is a
 * next page). totalCount may be a thunk so that its SQL runs only when the client asks for it.
 */
export function toConnection<T>(
  rows: T[],
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
