import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Lean SQL through the request's EntityManager (ADR 0003): inside em.transactional() the statement
 * joins the transaction. Parameters are `?` placeholders that MikroORM escapes; a JS array becomes a
 * comma-separated list (use it inside `in (...)`, never empty), bulk rows travel as one JSON
 * parameter (jsonb_to_recordset) so a statement's text does not grow with its input.
 */
export async function sql<T>(em: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  // execute() is typed for entity data; these statements return plain rows described by T.
  return (await em.execute(text, params)) as unknown as T[];
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

export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
