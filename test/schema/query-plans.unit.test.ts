/**
 * Query plans of the client operations, built offline from the committed supergraph with the
 * router's planner (@apollo/gateway's QueryPlanner, default configuration) and compared with the
 * committed snapshot: a schema change that makes an operation fetch from more subgraphs, or in more
 * steps, shows in review. After an intended change: `npx jest test/schema/query-plans -u`, and read the diff.
 */
import fs from 'node:fs';
import path from 'node:path';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import {
  prettyFormatQueryPlan,
  QueryPlanner,
  type PlanNode,
  type QueryPlan,
  type SubscriptionNode,
} from '@apollo/query-planner';
import { Kind } from 'graphql';
import { clientOperations } from '../../schema/operations';

const supergraph = Supergraph.build(
  fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'),
);
const api: Schema = supergraph.apiSchema();
const planner = new QueryPlanner(supergraph);

const operations = [...clientOperations().values()];

function planOf(name: string): QueryPlan {
  const op = clientOperations().get(name);
  if (!op) throw new Error(`no operation ${name}`);
  // As the gateway does: the operation is read against the API schema, then planned over the supergraph.
  const operation = operationFromDocument(
    api,
    { kind: Kind.DOCUMENT, definitions: [op.definition] },
    {
      operationName: name,
    },
  );
  return planner.buildQueryPlan(operation);
}

/** Every subgraph fetch of a plan, in plan order (a subgraph fetched twice is listed twice). */
function fetches(node: PlanNode | SubscriptionNode | undefined): string[] {
  if (!node) return [];
  switch (node.kind) {
    case 'Fetch':
      return [node.serviceName];
    case 'Sequence':
    case 'Parallel':
      return node.nodes.flatMap(fetches);
    case 'Flatten':
      return fetches(node.node);
    case 'Defer':
      return [...fetches(node.primary.node), ...node.deferred.flatMap((d) => fetches(d.node))];
    case 'Condition':
      return [...fetches(node.ifClause), ...fetches(node.elseClause)];
    case 'Subscription':
      return [...fetches(node.primary), ...fetches(node.rest)];
  }
}

describe('query plans of the client operations (offline, from the committed supergraph)', () => {
  it('lists every subgraph fetch of every operation', () => {
    const summary = Object.fromEntries(operations.map((op) => [op.name, fetches(planOf(op.name).node).join(' -> ')]));
    expect(summary).toMatchSnapshot();
  });

  it('CatalogPage is one products fetch, then one inventory fetch for the whole page', () => {
    expect(fetches(planOf('CatalogPage').node)).toEqual(['products', 'inventory']);
  });

  it('Checkout is one ecommerce fetch (the saga runs inside it), then one products fetch for the line names', () => {
    expect(fetches(planOf('Checkout').node)).toEqual(['ecommerce', 'products']);
  });

  it.each(operations.map((op) => [op.name]))('%s', (name) => {
    expect(prettyFormatQueryPlan(planOf(name))).toMatchSnapshot();
  });
});
