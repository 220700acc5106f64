import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * Lean, parameterised SQL on the EntityManager's pool (ADR 0003): used for hot reads and for the
 * conditional writes the ORM cannot express. Inside `em.transactional` the statement joins the
 * transaction. Placeholders are `?` (knex bindings); a JS array expands to a comma-separated list,
 * so `in (?)` takes a non-empty array. Statements are counted by db_statements_total.
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
