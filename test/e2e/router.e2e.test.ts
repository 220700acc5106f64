import type { IncomingMessage } from 'node:http';
import { signToken } from '../../subgraphs/kit';
import { startRouter, type RunningRouter } from '../../router/server';
import { CreateProductDocument } from '../../schema/operations/generated';
import { startStack, type Stack } from '../helpers/stack';
import { client, tokens } from '../helpers/toolkit';

// Anonymous on purpose (the router's metrics and limits must cope with unnamed operations); the client
// operations of schema/operations are all named.
const CATALOG_NAMES = '{ products(first: 3) { edges { node { id name } } } }';

describe('router behaviour (products behind the router)', () => {
  let stack: Stack;
  /** Headers the products subgraph received, newest last. */
  const seen: IncomingMessage['headers'][] = [];

  beforeAll(async () => {
    stack = await startStack({ services: ['products'], seed: true });
    // A second 'request' listener only observes; the kit's handler still serves the request.
    stack.subgraph('products').server.on('request', (req: IncomingMessage) => seen.push(req.headers));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const origin = () => new URL(stack.routerUrl).origin;

  it('serves Apollo Sandbox at / to browsers outside production', async () => {
    const res = await fetch(`${origin()}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/embeddable-sandbox/);
  });

  it('answers liveness, readiness and Prometheus metrics with subgraph fetch latency', async () => {
    expect((await fetch(`${origin()}/health/live`)).status).toBe(200);
    const ready = await fetch(`${origin()}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    await stack.gql(CATALOG_NAMES, undefined, { operationName: undefined });
    await stack.gql(`query Names ${CATALOG_NAMES}`);
    const text = await (await fetch(`${origin()}/metrics`)).text();
    expect(text).toMatch(/subgraph_fetch_duration_seconds_count\{[^}]*subgraph="products"[^}]*\} [1-9]/);
    expect(text).toMatch(/graphql_operation_duration_seconds_count\{[^}]*operation="Names"/);
    expect(text).toMatch(/service="router"/);
  });

  it('forwards the client x-request-id to the subgraphs and echoes it', async () => {
    const requestId = `e2e-${Date.now()}`;
    const { status, headers, body } = await stack.gql(CATALOG_NAMES, undefined, {
      headers: { 'x-request-id': requestId },
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(headers.get('x-request-id')).toBe(requestId);
    expect(seen.some((h) => h['x-request-id'] === requestId)).toBe(true);
  });

  it('makes up a request id when the client sends none, and forwards that one', async () => {
    const { headers } = await stack.gql(CATALOG_NAMES);
    const generated = headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.some((h) => h['x-request-id'] === generated)).toBe(true);
  });

  it("forwards the Authorization header (and Kong's consumer name) to the subgraphs", async () => {
    const token = tokens.admin();
    const { body } = await stack.gql(CATALOG_NAMES, undefined, {
      token,
      headers: { 'x-consumer-username': 'web-shop' },
    });
    expect(body.errors).toBeUndefined();
    const last = seen[seen.length - 1]!;
    expect(last.authorization).toBe(`Bearer ${token}`);
    expect(last['x-consumer-username']).toBe('web-shop');
  });

  it('refuses an invalid or expired token at the router with 401 UNAUTHENTICATED, before any subgraph call', async () => {
    const calls = seen.length;
    const bad = await stack.gql(CATALOG_NAMES, undefined, { token: 'not-a-jwt' });
    expect(bad.status).toBe(401);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const expired = await stack.gql(CATALOG_NAMES, undefined, {
      token: signToken({ sub: 'emp-admin', role: 'ADMIN' }, -10),
    });
    expect(expired.status).toBe(401);
    expect(expired.body.errors?.[0]).toMatchObject({
      message: 'token expired',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const notBearer = await stack.gql(CATALOG_NAMES, undefined, { headers: { authorization: 'Basic abc' } });
    expect(notBearer.status).toBe(401);
    expect(seen.length).toBe(calls);
  });

  it('a mutation without a token reaches products and comes back UNAUTHENTICATED', async () => {
    const { body } = await stack.gql(CreateProductDocument, {
      input: { sku: 'E2E-R1', name: 'x', price: '1.00' },
    });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', serviceName: 'products' });
  });

  it('refuses operations nested deeper than the limit (15) before calling any subgraph', async () => {
    const calls = seen.length;
    const deep = `{ categories { ${'parent { '.repeat(15)}id${' }'.repeat(15)} } }`;
    const { status, body } = await stack.gql(deep);
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: 'Operation is nested 17 levels deep; the limit is 15',
      extensions: { code: 'DEPTH_LIMIT_EXCEEDED', limit: 15, value: 17 },
    });
    expect(seen.length).toBe(calls);
    const ok = await stack.gql(`{ categories { ${'parent { '.repeat(10)}id${' }'.repeat(10)} } }`);
    expect(ok.body.errors).toBeUndefined();
  });

  describe('with a Kong shared secret', () => {
    let guarded: RunningRouter;
    beforeAll(async () => {
      guarded = await startRouter({
        port: 0,
        supergraphSdl: stack.supergraphSdl,
        subgraphUrls: { products: stack.subgraph('products').url },
        gatewaySecret: 'kong-shared-secret-for-tests',
      });
    });
    afterAll(async () => {
      await guarded?.stop();
    });

    const post = (headers: Record<string, string>) => client(guarded.url)(CATALOG_NAMES, undefined, { headers });

    it('refuses requests without the x-gateway-secret header, or with a wrong one, with 403', async () => {
      const none = await post({});
      expect(none.status).toBe(403);
      expect(none.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
      expect((await post({ 'x-gateway-secret': 'kong-shared-secret-for-test' })).status).toBe(403);
    });

    it('serves requests that carry the secret', async () => {
      const res = await post({ 'x-gateway-secret': 'kong-shared-secret-for-tests' });
      expect(res.status).toBe(200);
      expect(res.body.data).toBeTruthy();
    });

    it('keeps health and metrics open for orchestrators and Prometheus', async () => {
      const base = new URL(guarded.url).origin;
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
    });
  });

  describe('in production mode', () => {
    let prod: RunningRouter;
    beforeAll(async () => {
      prod = await startRouter({
        port: 0,
        supergraphSdl: stack.supergraphSdl,
        subgraphUrls: { products: stack.subgraph('products').url },
        gatewaySecret: null,
        production: true,
      });
    });
    afterAll(async () => {
      await prod?.stop();
    });

    it('shows no landing page and refuses introspection', async () => {
      const page = await fetch(new URL(prod.url).origin + '/', { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/embeddable-sandbox/);
      const { body } = await client(prod.url)('{ __schema { types { name } } }');
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });
});
