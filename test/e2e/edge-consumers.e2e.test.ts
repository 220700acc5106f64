/**
 * Kong's consumers at the router (ADR 0027), over HTTP: a read-only group's mutation is FORBIDDEN and
 * runs nothing, the consumer is on the router's request and error metrics (bounded) and on its logs,
 * and browsers of the allowed origins get CORS answers.
 */
import { startRouter, type RunningRouter } from '../../router/server';
import { operation } from '../../schema/operations';
import { CreateProductDocument } from '../../schema/operations/generated';
import { kong, metricValue, persisted, sha256 } from '../helpers/persisted';
import { startStack, type Stack } from '../helpers/stack';
import { client, errorCodes, tokens } from '../helpers/toolkit';

const PARTNER = kong('partner', 'partner');
const HEAD_OFFICE = kong('head-office', 'internal');
const FIND_SKU = 'query FindSku($sku: String!) { productBySku(sku: $sku) { id name } }';

describe('consumers and groups at the router', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ services: ['products'], seed: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const metrics = async (router: RunningRouter = stack.router) => router.metrics.registry.metrics();
  const productsFetches = async () =>
    metricValue(await metrics(), 'subgraph_fetch_duration_seconds_count', { subgraph: 'products' });
  const createInput = (sku: string) => ({ input: { sku, name: 'Edge test', price: '9.99' } });
  const skuExists = async (sku: string) => {
    const { body } = await stack.gql<{ productBySku: { id: string } | null }>(FIND_SKU, { sku });
    return body.data?.productBySku !== null && body.data?.productBySku !== undefined;
  };

  it("refuses a partner's mutation with 403 FORBIDDEN, calling no subgraph and writing nothing", async () => {
    const [fetches, statements] = [await productsFetches(), await stack.statements('products')];
    // Even with a head-office token: the group decides, whoever the person is.
    const { status, body } = await stack.gql(CreateProductDocument, createInput('EDGE-PARTNER-1'), {
      token: tokens.admin(),
      headers: PARTNER,
    });
    expect(status).toBe(403);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      {
        message: 'Consumer partner is read-only: mutation operations are not allowed',
        extensions: { code: 'FORBIDDEN' },
      },
    ]);
    expect(await productsFetches()).toBe(fetches);
    expect(await stack.statements('products')).toBe(statements);
    expect(await skuExists('EDGE-PARTNER-1')).toBe(false);
  });

  it('refuses it too when the mutation comes as a persisted id another consumer registered', async () => {
    const text = operation('CreateProduct');
    const id = sha256(text);
    // Registered by head office (runs: a product is created), then replayed by id by the partner.
    const registered = await persisted(stack.routerUrl, {
      id,
      query: text,
      variables: createInput('EDGE-HO-1'),
      headers: { ...HEAD_OFFICE, authorization: `Bearer ${tokens.admin()}` },
    });
    expect(registered.codes).toEqual([]);
    expect(await skuExists('EDGE-HO-1')).toBe(true);
    const fetches = await productsFetches();
    const replay = await persisted(stack.routerUrl, {
      id,
      variables: createInput('EDGE-PARTNER-2'),
      headers: { ...PARTNER, authorization: `Bearer ${tokens.admin()}` },
    });
    expect(replay.status).toBe(403);
    expect(replay.codes).toEqual(['FORBIDDEN']);
    expect(await productsFetches()).toBe(fetches);
    expect(await skuExists('EDGE-PARTNER-2')).toBe(false);
  });

  it('lets the partner read, and internal and first-party consumers write', async () => {
    const read = await stack.gql(FIND_SKU, { sku: 'SKU-0001' }, { headers: PARTNER });
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual({ productBySku: { id: 'prod-0001', name: expect.any(String) } });
    for (const [sku, headers] of [
      ['EDGE-HO-2', HEAD_OFFICE],
      ['EDGE-POS-1', kong('pos-terminals', 'first-party')],
    ] as const) {
      const { body } = await stack.gql(CreateProductDocument, createInput(sku), { token: tokens.admin(), headers });
      expect(body.errors).toBeUndefined();
      expect(body.data?.createProduct.product?.sku).toBe(sku);
    }
  });

  it('takes the read-only groups from ROUTER_READ_ONLY_GROUPS', async () => {
    const saved = process.env.ROUTER_READ_ONLY_GROUPS;
    process.env.ROUTER_READ_ONLY_GROUPS = 'internal';
    let router: RunningRouter | null = null;
    try {
      router = await startRouter({
        port: 0,
        supergraphSdl: stack.supergraphSdl,
        subgraphUrls: stack.router.subgraphUrls,
        gatewaySecret: null,
        entityCache: false,
      });
      const gql = client(router.url);
      const internal = await gql(CreateProductDocument, createInput('EDGE-HO-3'), {
        token: tokens.admin(),
        headers: HEAD_OFFICE,
      });
      expect(internal.status).toBe(403);
      expect(errorCodes(internal.body.errors)).toEqual(['FORBIDDEN']);
      const partner = await gql(CreateProductDocument, createInput('EDGE-PARTNER-3'), {
        token: tokens.admin(),
        headers: PARTNER,
      });
      expect(partner.body.errors).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.ROUTER_READ_ONLY_GROUPS;
      else process.env.ROUTER_READ_ONLY_GROUPS = saved;
      await router?.stop();
    }
  });

  it('puts the consumer on the request and error metrics, bounded to the known names', async () => {
    const q = 'query EdgeNames { products(first: 1) { totalCount } }';
    await stack.gql(q, undefined, { headers: kong('web-storefront', 'first-party') });
    await stack.gql(q, undefined, { headers: kong('acme-scraper-7f3a', 'partner') });
    await stack.gql(q);
    await stack.gql(CreateProductDocument, createInput('EDGE-PARTNER-4'), { headers: PARTNER });
    const text = await metrics();
    const requests = (consumer: string) =>
      metricValue(text, 'graphql_operation_duration_seconds_count', { operation: 'EdgeNames', consumer });
    expect([requests('web-storefront'), requests('other'), requests('anonymous')]).toEqual([1, 1, 1]);
    expect(text).not.toContain('acme-scraper');
    expect(metricValue(text, 'graphql_errors_total', { code: 'FORBIDDEN', consumer: 'partner' })).toBeGreaterThan(0);
    expect(metricValue(text, 'router_operation_refusals_total', { kind: 'read_only' })).toBeGreaterThan(0);
    // The refused mutation is still a request of the partner's, with its operation's name and type.
    expect(
      metricValue(text, 'graphql_operation_duration_seconds_count', {
        operation: 'CreateProduct',
        type: 'mutation',
        consumer: 'partner',
      }),
    ).toBeGreaterThan(0);
  });

  it('logs a refusal with the consumer and the request id', async () => {
    const info = jest.spyOn(stack.router.log, 'info');
    try {
      await stack.gql(CreateProductDocument, createInput('EDGE-PARTNER-5'), {
        headers: { ...PARTNER, 'x-request-id': 'edge-log-1' },
      });
      expect(info).toHaveBeenCalledWith(
        expect.objectContaining({ consumer: 'partner', requestId: 'edge-log-1', type: 'mutation' }),
        'operation refused: read-only consumer',
      );
    } finally {
      info.mockRestore();
    }
  });

  describe('CORS (ROUTER_CORS_ORIGINS; development default: the back-office app on :4100)', () => {
    const origin = 'http://localhost:4100';

    it('answers an allowed preflight with the methods and headers Apollo Client sends, no credentials', async () => {
      const res = await fetch(stack.routerUrl, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(res.headers.get('access-control-allow-headers')).toMatch(
        /content-type.*authorization|authorization.*content-type/,
      );
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/Origin/);
    });

    it('gives another origin no CORS headers, so its browser refuses', async () => {
      const res = await fetch(stack.routerUrl, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const post = await stack.gql(FIND_SKU, { sku: 'SKU-0001' }, { headers: { origin: 'https://evil.example.com' } });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('marks the actual answer for the allowed origin and exposes x-request-id', async () => {
      const { status, headers } = await stack.gql(FIND_SKU, { sku: 'SKU-0001' }, { headers: { origin } });
      expect(status).toBe(200);
      expect(headers.get('access-control-allow-origin')).toBe(origin);
      expect(headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    });
  });
});
