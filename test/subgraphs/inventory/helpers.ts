import type { Client } from 'pg';
import type { RunningSubgraph } from '../../../subgraphs/kit';
import { service as productsService } from '../../../subgraphs/products/server';
import { freshDatabase } from '../../helpers/db';
import { client, tokens } from '../../helpers/toolkit';
import { CreateProductDocument, UpdateProductDocument } from '../../../schema/operations/generated';

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

/** GraphQL requests one subgraph instance has answered so far (to count calls between subgraphs). */
export async function graphqlRequests(running: Pick<RunningSubgraph, 'metrics'>): Promise<number> {
  const m = await running.metrics.httpDuration.get();
  return m.values
    .filter((v) => v.metricName === 'http_request_duration_seconds_count' && v.labels.route === '/graphql')
    .reduce((sum, v) => sum + v.value, 0);
}

/** The products subgraph an inventory under test checks product ids with, and what tests do with it. */
export interface TestProducts {
  url: string;
  running: RunningSubgraph;
  /** A new catalogue product (never stocked anywhere yet); returns its id. */
  create: (name: string) => Promise<string>;
  /** Puts a product on sale or withdraws it (updateProduct). */
  setActive: (productId: string, active: boolean) => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * A real products subgraph on a database of its own, with the demo catalogue (prod-0001..0300, the
 * ids inventory's demo stock names): adjustStock refuses ids products does not know (ADR 0015).
 */
export async function startProducts(prefix: string): Promise<TestProducts> {
  const db = await freshDatabase(`${prefix}_products`);
  const running = await productsService.start({
    dbUrl: db.url,
    port: 0,
    afterMigrate: async (orm) => void (await productsService.seed?.(orm)),
  });
  const gql = client(running.url);
  let n = 0;
  return {
    url: running.url,
    running,
    create: async (name) => {
      n += 1;
      const res = await gql(
        CreateProductDocument,
        // The database is this helper's own, so a counter keeps SKUs unique.
        { input: { sku: `TEST-${n}`, name, price: '9.99' } },
        { token: tokens.admin() },
      );
      const product = res.body.data?.createProduct.product;
      if (!product) throw new Error(`createProduct failed: ${JSON.stringify(res.body)}`);
      return product.id;
    },
    setActive: async (productId, active) => {
      const res = await gql(UpdateProductDocument, { input: { productId, active } }, { token: tokens.admin() });
      if (!res.body.data?.updateProduct.product) throw new Error(`updateProduct failed: ${JSON.stringify(res.body)}`);
    },
    stop: async () => {
      await running.stop();
      await db.drop();
    },
  };
}

/** One outbox row as the tests assert it: what the envelope carries besides its id and times. */
export interface OutboxEntry {
  type: string;
  aggregate: { type: string; id: string };
  correlationId: string | null;
  data: Record<string, unknown>;
}

/** The outbox's last sequence number (0 when empty): take it before an operation, then outboxSince. */
export async function outboxSeq(pg: Pick<Client, 'query'>): Promise<string> {
  const res = await pg.query<{ seq: string }>('select coalesce(max(seq), 0)::text as seq from outbox');
  return res.rows[0]!.seq;
}

/** The events written after `seq`, in sequence order (on the test's own connection, so never counted). */
export async function outboxSince(pg: Pick<Client, 'query'>, seq: string): Promise<OutboxEntry[]> {
  const res = await pg.query<{
    type: string;
    at: string;
    aid: string;
    cid: string | null;
    data: Record<string, unknown>;
  }>(
    `select type, aggregate_type as at, aggregate_id as aid, correlation_id as cid, data
       from outbox where seq > $1::bigint order by seq`,
    [seq],
  );
  return res.rows.map((r) => ({
    type: r.type,
    aggregate: { type: r.at, id: r.aid },
    correlationId: r.cid,
    data: r.data,
  }));
}
