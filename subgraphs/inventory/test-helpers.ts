import { serviceToken, signToken, type Metrics, type RunningSubgraph } from '../kit';

/** Test-only helpers shared by inventory's test files (no test cases here). */

export interface GqlResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResponse<T>;
}

export const tokens = {
  admin: () => signToken({ sub: 'emp-admin', role: 'ADMIN' }),
  manager: (storeId: string) => signToken({ sub: `emp-manager-${storeId}`, role: 'MANAGER', storeId }),
  clerk: (storeId: string) => signToken({ sub: `emp-clerk-${storeId}`, role: 'CLERK', storeId }),
  customer: () => signToken({ sub: 'cust-1', role: 'CUSTOMER' }),
  service: () => serviceToken('ecommerce'),
};

/** Total SQL statements this process's subgraph has sent so far (kit's db_statements_total). */
export async function statementCount(metrics: Metrics): Promise<number> {
  const { values } = await metrics.dbStatements.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

async function byKindNow(metrics: Metrics): Promise<Map<string, number>> {
  // prom-client hands out its live value objects: copy the numbers before they move on.
  const { values } = await metrics.dbStatements.get();
  return new Map(values.map((v) => [String(v.labels.kind), v.value]));
}

/** Statements (by first keyword) sent while fn ran. */
export async function countStatements<T>(
  running: Pick<RunningSubgraph, 'metrics'>,
  fn: () => Promise<T>,
): Promise<{ result: T; statements: number; byKind: Record<string, number> }> {
  const before = await byKindNow(running.metrics);
  const result = await fn();
  const after = await byKindNow(running.metrics);
  const byKind: Record<string, number> = {};
  let statements = 0;
  for (const [kind, value] of after) {
    const delta = value - (before.get(kind) ?? 0);
    if (delta > 0) byKind[kind] = delta;
    statements += delta;
  }
  return { result, statements, byKind };
}
