import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeSubgraphs } from '../../schema/compose';
import { startRouter, type RunningRouter } from '../../router/server';
import { client, freePort } from '../helpers/toolkit';

/**
 * The router's subgraph client against a hand-made subgraph that can drop connections on demand:
 * queries are retried on connection errors (on the next replica), mutations never are, and
 * failures reach the client as SERVICE_UNAVAILABLE without internal addresses.
 */
const SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { ping: String }
  type Mutation { bump: Int }
`;

interface Flaky {
  url: string;
  /** Requests that reached the handler (including dropped ones). */
  calls: number;
  /** Drop the next N requests by destroying the socket without an answer. */
  dropNext: number;
  /** Answer the next N requests with a 502 HTML page. */
  badGatewayNext: number;
  close: () => Promise<void>;
}

async function flakySubgraph(): Promise<Flaky> {
  const state: Flaky = { url: '', calls: 0, dropNext: 0, badGatewayNext: 0, close: async () => undefined };
  let bumps = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.calls++;
      if (state.dropNext > 0) {
        state.dropNext--;
        req.socket.destroy();
        return;
      }
      if (state.badGatewayNext > 0) {
        state.badGatewayNext--;
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>bad gateway at 10.0.0.7</html>');
        return;
      }
      const { query } = JSON.parse(Buffer.concat(chunks).toString()) as { query: string };
      const body = query.startsWith('mutation') ? { data: { bump: ++bumps } } : { data: { ping: 'pong' } };
      const text = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A URL on which nothing listens (connection refused). */
async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/graphql`;
}

describe('router subgraph client: retries and failures', () => {
  let flaky: Flaky;
  let router: RunningRouter;
  let supergraphSdl: string;

  const post = (query: string) => client(router.url)(query);

  async function retries(): Promise<number> {
    const m = await router.metrics.subgraphRetries.get();
    return m.values.reduce((n, v) => n + v.value, 0);
  }

  beforeAll(async () => {
    flaky = await flakySubgraph();
    const composed = composeSubgraphs([{ name: 'flaky', url: flaky.url, typeDefs: SDL }]);
    if (!composed.supergraphSdl) throw new Error(composed.errors?.join('\n'));
    supergraphSdl = composed.supergraphSdl;
    router = await startRouter({ port: 0, supergraphSdl, subgraphUrls: { flaky: flaky.url }, gatewaySecret: null });
  });
  afterAll(async () => {
    await router?.stop();
    await flaky?.close();
  });

  it('retries a query after a dropped connection: the client sees data', async () => {
    const before = { calls: flaky.calls, retries: await retries() };
    flaky.dropNext = 1;
    const { status, body } = await post('{ ping }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { ping: 'pong' } });
    expect(flaky.calls - before.calls).toBe(2);
    expect((await retries()) - before.retries).toBe(1);
  });

  it('gives up after two retries with SERVICE_UNAVAILABLE and no internal detail', async () => {
    const before = flaky.calls;
    flaky.dropNext = 3;
    const { body } = await post('{ ping }');
    expect(flaky.calls - before).toBe(3);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'flaky' });
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNRESET|socket/i);
  });

  it('never retries a mutation', async () => {
    const before = flaky.calls;
    flaky.dropNext = 1;
    const { body } = await post('mutation { bump }');
    expect(flaky.calls - before).toBe(1);
    expect(body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    // The next mutation goes through normally.
    const ok = await post('mutation { bump }');
    expect(ok.body.errors).toBeUndefined();
  });

  it('turns a non-GraphQL 502 into SERVICE_UNAVAILABLE without the upstream page', async () => {
    flaky.badGatewayNext = 1;
    const { body } = await post('{ ping }');
    expect(body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toMatch(/10\.0\.0\.7|html/);
  });

  it('round-robins over replica URLs and routes around a dead one for queries', async () => {
    const dead = await deadUrl();
    const rr = await startRouter({
      port: 0,
      supergraphSdl,
      subgraphUrls: { flaky: `${dead}, ${flaky.url}` },
      gatewaySecret: null,
    });
    try {
      expect(rr.subgraphUrls.flaky).toEqual([dead, flaky.url]);
      for (let i = 0; i < 4; i++) {
        const { body } = await client(rr.url)('{ ping }');
        expect(body).toEqual({ data: { ping: 'pong' } });
      }
      // Only the first request met the dead replica: it is then out of rotation for a while.
      const m = await rr.metrics.subgraphRetries.get();
      expect(m.values.reduce((n, v) => n + v.value, 0)).toBe(1);
    } finally {
      await rr.stop();
    }
  });
});
