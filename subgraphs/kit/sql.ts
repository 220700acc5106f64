import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * The one lean-SQL helper (ADR 0003), for hot reads and for the conditional writes the ORM cannot
 * express, on the EntityManager's pool; inside `em.transactional` the statement joins the
 * transaction. Placeholders are `?`; knex turns them into $1, $2... and the values travel as
 * server-bound parameters, never spliced into the SQL text. A JS array is ONE parameter (a
 * PostgreSQL array), so lists are written `= any(?::text[])`, and bulk rows `unnest(?::int[], ...)`;
 * `in (?)` does not work with an array. Statements are counted by db_statements_total.
 */
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

/** Rows of one statement, as plain objects typed by the caller's column aliases. */
export async function queryRows<T>(em: EntityManager, text: string, params: readonly unknown[] = []): Promise<T[]> {
  const res = (await raw(em, text, params)) as { rows: T[] };
  return res.rows;
}

export async function queryOne<T>(em: EntityManager, text: string, params: readonly unknown[] = []): Promise<T | null> {
  const rows = await queryRows<T>(em, text, params);
  return rows[0] ?? null;
}

/** Runs a statement and returns the number of rows it changed. */
export async function execute(em: EntityManager, text: string, params: readonly unknown[] = []): Promise<number> {
  const res = (await raw(em, text, params)) as { rowCount: number | null };
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
