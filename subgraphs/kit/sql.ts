import { createHash } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { Projection } from './projection';

/**
 * The one way to write SQL (ADR 0022): a statement is defined once, in its subgraph's
 * `domain/sql/` module, with NAMED parameters (`:orderId`), and run with an object of values:
 *
 *   export const SALE_BY_ID = sql<{ id: string }, Sale>(
 *     `select ${SALE_COLUMNS} from sales where id = :id`, { row: SALE });
 *   const sale = await queryOne(em, SALE_BY_ID, { id });
 *
 * The text is compiled once, when the module loads: each `:name` becomes a server-bound parameter
 * (never spliced into the SQL text), `::type` casts, quoted text and comments are left alone, and a
 * literal `?` (a jsonb operator) is escaped for knex. Running a statement checks that the values
 * name exactly the statement's parameters, so SQL and caller cannot drift apart silently. A JS
 * array is ONE parameter (a PostgreSQL array): lists are `= any(:ids::text[])`, bulk rows
 * `unnest(:ids::text[], :quantities::int[])`. Select lists are spliced in from the entity schemas
 * (kit/projection.ts), and `row` turns each raw row into the table's interface.
 *
 * On the EntityManager's pool: inside `em.transactional` the statement joins the transaction.
 * Every statement is counted by db_statements_total.
 */
export interface Statement<P extends object, R> {
  /** As written, with `:name` parameters (for review and error messages). */
  readonly text: string;
  /** For knex: `?` in parameter order, literal question marks escaped. */
  readonly compiled: string;
  /** The parameter behind each `?`, in order (a name used twice appears twice). */
  readonly order: readonly (keyof P & string)[];
  /** The distinct parameter names. */
  readonly names: ReadonlySet<string>;
  /** Shapes each row (dates from text); rows are returned as they come without it. */
  readonly fromRow?: (row: Record<string, unknown>) => R;
  /** The name it is prepared under on each connection (a hash of its text: one text per name). */
  readonly preparedName: string;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /\w/;

/** `:name` -> `?` outside quotes and comments; returns the knex text and the names in order. */
export function compileNamed(text: string): { compiled: string; order: string[] } {
  let compiled = '';
  const order: string[] = [];
  const escapeMarks = (run: string) => run.replace(/\?/g, '\\?');
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === "'" || c === '"') {
      // A quoted literal or identifier; a doubled quote is an escaped one.
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      compiled += escapeMarks(text.slice(i, j + 1));
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      compiled += escapeMarks(text.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      compiled += escapeMarks(text.slice(i, stop));
      i = stop;
    } else if (c === ':' && next === ':') {
      compiled += '::';
      i += 2;
    } else if (c === ':' && next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < text.length && NAME_PART.test(text[j] as string)) j += 1;
      order.push(text.slice(i + 1, j));
      compiled += '?';
      i = j;
    } else if (c === '?') {
      compiled += '\\?';
      i += 1;
    } else {
      compiled += c;
      i += 1;
    }
  }
  return { compiled, order };
}

/**
 * Defines a statement: `P` is the shape of its named values, `R` of its rows (aliased columns, or
 * the table interface of `row`). Define statements at module level, so each is compiled once.
 */
export function sql<P extends object = Record<string, never>, R = Record<string, unknown>>(
  text: string,
  opts: { row?: Projection<R> } = {},
): Statement<P, R> {
  const { compiled, order } = compileNamed(text);
  return {
    text,
    compiled,
    order: order as (keyof P & string)[],
    names: new Set(order),
    fromRow: opts.row?.fromRow,
    preparedName: `k${createHash('sha1').update(compiled).digest('base64url')}`,
  };
}

function describe(st: { text: string }): string {
  return st.text.replace(/\s+/g, ' ').trim().slice(0, 80);
}

/** The values in placeholder order; a missing, undefined or unknown name is a bug, thrown as such. */
export function bindNamed<P extends object>(st: Statement<P, unknown>, values: P): unknown[] {
  const given = values as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!st.names.has(key)) throw new Error(`SQL statement has no parameter :${key} (${describe(st)})`);
  }
  return st.order.map((name) => {
    const value = given[name];
    if (value === undefined)
      throw new Error(`SQL statement needs a value for :${name} (null for NULL) (${describe(st)})`);
    return value;
  });
}

function raw(em: EntityManager, text: string, params: readonly unknown[]): Knex.Raw {
  // Bindings are plain values (strings, numbers, booleans, null, Dates, arrays of those).
  const q = em
    .getConnection()
    .getKnex()
    .raw(text, params as readonly Knex.RawBinding[]);
  const trx = em.getTransactionContext<Knex.Transaction>();
  if (trx) q.transacting(trx);
  return q;
}

/**
 * Statements run as named prepared statements (DB_PREPARED_STATEMENTS, on): PostgreSQL parses each
 * once per connection and, after a few executions, keeps its plan, where an unnamed statement is
 * parsed and planned every time. Planning was about a fifth of PostgreSQL's time under the POS bench,
 * most of it the CTE statements a sale and a take are (docs/benchmarks.md). `off` is for a
 * transaction-pooling proxy (pgbouncer before 1.21) that cannot keep a statement on a connection.
 */
const PREPARED = !['0', 'false', 'no', 'off'].includes((process.env.DB_PREPARED_STATEMENTS ?? 'on').toLowerCase());

function run<P extends object>(em: EntityManager, st: Statement<P, unknown>, values: P): Knex.Raw {
  const q = raw(em, st.compiled, bindNamed(st, values));
  // knex passes a raw's options to pg's query config: `name` makes it a prepared statement.
  return PREPARED ? q.options({ name: st.preparedName }) : q;
}

/** Rows of one statement, shaped by its `row` projection (or as its column aliases name them). */
export async function queryRows<P extends object, R>(em: EntityManager, st: Statement<P, R>, values: P): Promise<R[]> {
  const res = (await run(em, st, values)) as { rows: Record<string, unknown>[] };
  return st.fromRow ? res.rows.map(st.fromRow) : (res.rows as R[]);
}

/** The first row of one statement, or null. */
export async function queryOne<P extends object, R>(
  em: EntityManager,
  st: Statement<P, R>,
  values: P,
): Promise<R | null> {
  const rows = await queryRows(em, st, values);
  return rows[0] ?? null;
}

/**
 * One page of a keyset statement whose `:limit` is the page size: up to `first + 1` rows (the extra
 * row tells whether a next page exists), and none, without a statement, when `first` is 0.
 */
export async function queryPage<P extends object, R>(
  em: EntityManager,
  st: Statement<P & { limit: number }, R>,
  first: number,
  values: P,
): Promise<R[]> {
  if (first === 0) return [];
  return queryRows(em, st, { ...values, limit: first + 1 });
}

/** Runs a statement and returns the number of rows it changed. */
export async function execute<P extends object>(
  em: EntityManager,
  st: Statement<P, unknown>,
  values: P,
): Promise<number> {
  const res = (await run(em, st, values)) as { rowCount: number | null };
  return res.rowCount ?? 0;
}

/** The PostgreSQL error code of a failed statement (23505 = unique violation), through MikroORM's wrappers. */
export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (e && typeof e.code === 'string') return e.code;
  if (e?.cause && typeof e.cause.code === 'string') return e.cause.code;
  return undefined;
}

/** Name of the constraint a failed statement violated, when PostgreSQL reported one. */
export function pgConstraint(err: unknown): string | undefined {
  const e = err as { constraint?: unknown; cause?: { constraint?: unknown } } | null;
  if (e && typeof e.constraint === 'string') return e.constraint;
  if (e?.cause && typeof e.cause.constraint === 'string') return e.cause.constraint;
  return undefined;
}

/** Thrown inside a transaction to roll it back and hand a business result to the caller. */
class Rollback<R> extends Error {
  constructor(readonly result: R) {
    super('rollback');
  }
}

export type TxOutcome<R> = { commit: true; result: R } | { commit: false; result: R };

/**
 * Runs fn in one transaction. fn decides whether its work is kept: a business failure (e.g. one
 * line of a reservation short of stock) rolls everything back and still returns a result.
 */
export async function inTransaction<R>(
  em: EntityManager,
  fn: (tx: EntityManager) => Promise<TxOutcome<R>>,
): Promise<R> {
  try {
    return await em.transactional(async (tx) => {
      const outcome = await fn(tx);
      if (!outcome.commit) throw new Rollback(outcome.result);
      return outcome.result;
    });
  } catch (err) {
    if (err instanceof Rollback) return err.result as R;
    throw err;
  }
}

/** pg returns timestamptz as Date, but as text through some paths (json, unions): one Date either way. */
export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
