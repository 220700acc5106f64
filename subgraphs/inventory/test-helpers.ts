import type { RunningSubgraph } from '../kit';

/**
 * Inventory's test fixtures (no test cases here). The GraphQL client, tokens, waitFor and free ports
 * come from test/helpers/toolkit.ts.
 */

async function byKindNow(running: Pick<RunningSubgraph, 'metrics'>): Promise<Map<string, number>> {
  // prom-client hands out its live value objects: copy the numbers before they move on.
  const { values } = await running.metrics.dbStatements.get();
  return new Map(values.map((v) => [String(v.labels.kind), v.value]));
}

/**
 * SQL statements (in total and by first keyword) one subgraph instance sent while fn ran: the
 * reservation tests assert the shape of a saga step's transaction, not only its size.
 */
export async function countStatements<T>(
  running: Pick<RunningSubgraph, 'metrics'>,
  fn: () => Promise<T>,
): Promise<{ result: T; statements: number; byKind: Record<string, number> }> {
  const before = await byKindNow(running);
  const result = await fn();
  const after = await byKindNow(running);
  const byKind: Record<string, number> = {};
  let statements = 0;
  for (const [kind, value] of after) {
    const delta = value - (before.get(kind) ?? 0);
    if (delta > 0) byKind[kind] = delta;
    statements += delta;
  }
  return { result, statements, byKind };
}
