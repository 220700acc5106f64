/**
 * Identical work in flight is done once (issue 13): concurrent identical client queries share one
 * execution, identical subgraph query fetches one call; never mutations, never across callers, and
 * a failure reaches everyone who shared it. A delaying proxy in front of products makes "concurrent"
 * certain and counts what products really received.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CatalogPageDocument, type CatalogPageQuery } from '../../schema/operations/generated';
import { startRouter, type RunningRouter } from '../../router/server';
import { startStack, type Stack } from '../helpers/stack';
import { client, tokens, type GqlResult } from '../helpers/toolkit';

interface Seen {
  body: string;
  headers: IncomingHttpHeaders;
}

/** Forwards to `target` after `delayMs`, or answers `failWith` instead; records every request. */
function delayingProxy(target: string) {
  const seen: Seen[] = [];
  let failWith: number | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ body, headers: req.headers });
      setTimeout(() => {
        if (failWith !== null) {
          res.writeHead(failWith, { 'content-type': 'text/plain' });
          res.end('down');
          return;
        }
        const { host: _host, 'content-length': _length, ...headers } = req.headers;
        fetch(target, { method: 'POST', headers: headers as Record<string, string>, body }).then(
          async (up) => {
            const text = await up.text();
            res.writeHead(up.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
            res.end(text);
          },
          () => {
            res.writeHead(502);
            res.end();
          },
        );
      }, 300);
    });
  });
  return {
    seen,
    fail: (status: number | null) => (failWith = status),
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const PRODUCT_NAMES = '{ products(first: 3) { edges { node { id name } } } }';

describe('identical work in flight is shared', () => {
  let stack: Stack;
  let router: RunningRouter;
  let proxy: ReturnType<typeof delayingProxy>;
  let gql: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack({ services: ['products', 'inventory'], seed: true });
    proxy = delayingProxy(stack.subgraph('products').url);
    const products = await proxy.listen();
    router = await startRouter({
      port: 0,
      gatewaySecret: null,
      // Sharing alone: the entity cache would answer repeated catalogue reads itself (its own test).
      entityCache: false,
      supergraphSdl: stack.supergraphSdl,
      subgraphUrls: { products, inventory: stack.instances('inventory').map((s) => s.url) },
    });
    gql = client(router.url);
  });
  afterAll(async () => {
    await router?.stop();
    await proxy?.close();
    await stack?.stop();
  });
  beforeEach(() => {
    proxy.seen.length = 0;
    proxy.fail(null);
  });

  const productsCalls = () => proxy.seen.filter((s) => !s.body.includes('_entities'));
  const sharedRequests = async () => (await router.metrics.sharedRequests.get()).values[0]?.value ?? 0;

  it('ten concurrent identical queries make one products call and get the same full answer', async () => {
    const before = await sharedRequests();
    const answers: GqlResult<CatalogPageQuery>[] = await Promise.all(
      Array.from({ length: 10 }, () => gql(CatalogPageDocument, { first: 5 })),
    );
    expect(productsCalls()).toHaveLength(1);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.errors).toBeUndefined();
      expect(a.body.data?.products.edges).toHaveLength(5);
      expect(a.body).toEqual(answers[0]!.body);
    }
    // Every request still has its own id.
    expect(new Set(answers.map((a) => a.headers.get('x-request-id'))).size).toBe(10);
    expect((await sharedRequests()) - before).toBe(9);
  });

  it('shares nothing once the work is done: the next identical query runs again', async () => {
    await gql(PRODUCT_NAMES);
    await gql(PRODUCT_NAMES);
    expect(productsCalls()).toHaveLength(2);
  });

  it('never shares across callers: each token gets its own call, carrying its own token', async () => {
    const a = tokens.customer('cust-share-a');
    const b = tokens.customer('cust-share-b');
    await Promise.all([gql(PRODUCT_NAMES, undefined, { token: a }), gql(PRODUCT_NAMES, undefined, { token: b })]);
    const sent = productsCalls().map((s) => s.headers.authorization);
    expect(sent.sort()).toEqual([`Bearer ${a}`, `Bearer ${b}`].sort());
  });

  it('never shares mutations: each concurrent identical mutation reaches products', async () => {
    const manager = tokens.manager();
    const mutation = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { code } } }`;
    const input = { sku: 'SHARE-0001', name: 'Shared?', price: '9.99' };
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => gql(mutation, { input }, { token: manager, operationName: 'Create' })),
    );
    expect(proxy.seen.filter((s) => s.body.includes('createProduct'))).toHaveLength(3);
    const outcomes = answers.map((a) => JSON.stringify(a.body.data)).sort();
    // One created it; the others were told the SKU is taken.
    expect(outcomes.filter((o) => o.includes('DUPLICATE_SKU'))).toHaveLength(2);
  });

  it('shares an identical subgraph fetch between client requests that differ elsewhere', async () => {
    // The client requests differ (accept), so they do not share an execution; their products
    // fetches are the same request from the same caller, so they share one call.
    const accepts = ['application/json', 'application/graphql-response+json', 'application/json, */*'];
    const answers = await Promise.all(accepts.map((accept) => gql(PRODUCT_NAMES, undefined, { headers: { accept } })));
    for (const a of answers) expect(a.body.data).toEqual(answers[0]!.body.data);
    expect(productsCalls()).toHaveLength(1);
    const fetches = (await router.metrics.sharedFetches.get()).values.find((v) => v.labels.subgraph === 'products');
    expect(fetches?.value).toBeGreaterThanOrEqual(2);
  });

  it('a failure reaches everyone who shared the work, and the next request tries again', async () => {
    proxy.fail(503);
    const answers = await Promise.all(Array.from({ length: 4 }, () => gql(PRODUCT_NAMES)));
    expect(productsCalls()).toHaveLength(1);
    for (const a of answers) {
      expect(a.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    }
    proxy.fail(null);
    const after = await gql(PRODUCT_NAMES);
    expect(after.body.errors).toBeUndefined();
    expect(productsCalls()).toHaveLength(2);
  });
});
