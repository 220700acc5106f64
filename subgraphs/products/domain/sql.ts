import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * Runs one parameterised statement (`?` placeholders, sent as $1.. bindings; a JS array binds as
 * one PostgreSQL array) on the ORM's pool and returns plain rows. It goes through the ORM's knex,
 * so it is counted by db_statements_total and joins the EntityManager's transaction when one is
 * open. Hot read paths use this instead of entity hydration (ADR 0003).
 */
export async function queryRows<T>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const query = em.getKnex().raw(sql, params as Knex.RawBinding[]);
  const trx = em.getTransactionContext<Knex.Transaction>();
  if (trx) query.transacting(trx);
  const result = (await query) as { rows: T[] };
  return result.rows;
}
