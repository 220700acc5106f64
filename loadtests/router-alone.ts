/**
 * Router overhead benchmark: this router vs a stock @apollo/gateway (ApolloGateway + ApolloServer +
 * startStandaloneServer, documented defaults) on the same supergraph, both in front of canned
 * products/inventory subgraphs that cost almost nothing, so the router is what is measured.
 *
 *   npx tsx loadtests/router-alone.ts [--first 20] [--requests 4000] [--connections 20] [--assert 1.5]
 *
 * The stock gateway is the bench's (loadtests/stock-gateway.ts), pointed at the canned subgraphs.
 *
 * Prints requests/s, latency and the router process's CPU milliseconds per request (from /proc, so
 * the figure holds even when other processes share the cores). With --assert R it exits 1 unless
 * this router's throughput is at least R times the stock gateway's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import net from 'node:net';
import { composeSubgraphs } from '../schema/compose';
import { operation } from '../schema/operations';
import { cpuSnapshot } from './util';

const ROOT = path.join(__dirname, '..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const CATALOG_PAGE = operation('CatalogPage');

// ---------- child roles ----------

/** Canned subgraphs: products pages and inventory _entities, JSON in and out like a real subgraph. */
function runMocks(productsPort: number, inventoryPort: number): void {
  const products = Array.from({ length: 100 }, (_, i) => ({
    __typename: 'Product',
    id: `prod-${String(i + 1).padStart(4, '0')}`,
    sku: `SKU-${String(i + 1).padStart(4, '0')}`,
    name: `Produit de démonstration ${i + 1}`,
    price: { amount: '12.50', currency: 'CAD' },
    category: { id: 'cat-electronics-audio', name: 'Audio' },
  }));
  const serve = (port: number, answer: (body: { variables?: Record<string, unknown> }) => unknown) => {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = JSON.stringify(answer(JSON.parse(Buffer.concat(chunks).toString()) as never));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    server.keepAliveTimeout = 65_000;
    server.listen(port, '127.0.0.1');
  };
  serve(productsPort, ({ variables }) => {
    const page = products.slice(0, Number(variables?.first ?? 20));
    return {
      data: {
        products: {
          totalCount: products.length,
          pageInfo: { hasNextPage: true, endCursor: 'cursor' },
          edges: page.map((p) => ({ cursor: `c-${p.id}`, node: p })),
        },
      },
    };
  });
  serve(inventoryPort, ({ variables }) => ({
    data: {
      _entities: ((variables?.representations as unknown[]) ?? []).map(() => ({
        __typename: 'Product',
        stock: { available: 42 },
      })),
    },
  }));
}

// ---------- orchestration ----------

function spawnSelf(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', __filename, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Answers a trivial query once the server listens. */
async function waitForGraphQL(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** CPU time (user + system, ms) of a process and its descendants, from /proc; null elsewhere. */
function cpuMs(pid: number): number | null {
  return fs.existsSync('/proc') ? (cpuSnapshot({ target: pid }).target ?? null) : null;
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number | null;
  failures: number;
}

async function measure(
  name: string,
  url: string,
  pid: number,
  first: number,
  requests: number,
  connections: number,
): Promise<Result> {
  const body = JSON.stringify({ query: CATALOG_PAGE, variables: { first }, operationName: 'CatalogPage' });
  const opts = { url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
  await autocannon({ ...opts, connections: 10, amount: Math.min(1000, requests) }); // warm-up: plans, JIT, pools
  const before = cpuMs(pid);
  const r = await autocannon({ ...opts, connections, amount: requests });
  const after = cpuMs(pid);
  return {
    name,
    // total / elapsed: autocannon's per-second average is coarse for short runs.
    rps: Math.round(r.requests.total / r.duration),
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuMsPerRequest: before !== null && after !== null ? +((after - before) / requests).toFixed(3) : null,
    failures: r.non2xx + r.errors,
  };
}

async function main(): Promise<void> {
  const role = process.argv[2];
  if (role === '--mock') return runMocks(Number(process.argv[3]), Number(process.argv[4]));

  const first = arg('first', 20);
  const requests = arg('requests', 4000);
  const connections = arg('connections', 20);
  const assertRatio = arg('assert', 0);
  const [pPort, iPort, stockPort, routerPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);

  const composed = composeSubgraphs(
    (['products', 'inventory'] as const).map((name, i) => ({
      name,
      url: `http://127.0.0.1:${i === 0 ? pPort : iPort}/graphql`,
      typeDefs: fs.readFileSync(path.join(ROOT, 'subgraphs', name, 'schema.graphql'), 'utf8'),
    })),
  );
  if (!composed.supergraphSdl) throw new Error((composed.errors ?? []).join('\n'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'router-bench-'));
  const supergraphFile = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(supergraphFile, composed.supergraphSdl);

  const children: ChildProcess[] = [];
  const stopChild = async (c: ChildProcess) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const mocks = spawnSelf(['--mock', String(pPort), String(iPort)], {});
    children.push(mocks);
    await new Promise((r) => setTimeout(r, 1500));

    const results: Result[] = [];
    const variants: { name: string; start: () => ChildProcess; url: string }[] = [
      {
        name: 'stock @apollo/gateway',
        start: () =>
          spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'stock-gateway.ts')], {
            cwd: ROOT,
            env: { ...process.env, NODE_ENV: 'production', PORT: String(stockPort), SUPERGRAPH_FILE: supergraphFile },
            stdio: ['ignore', 'ignore', 'inherit'],
          }),
        url: `http://127.0.0.1:${stockPort}/`,
      },
      {
        name: `router (ROUTER_WORKERS=${process.env.ROUTER_WORKERS ?? 1})`,
        start: () =>
          spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'router', 'index.ts')], {
            cwd: ROOT,
            env: {
              ...process.env,
              NODE_ENV: 'production',
              LOG_LEVEL: 'warn',
              PORT: String(routerPort),
              SUPERGRAPH_FILE: supergraphFile,
            },
            stdio: ['ignore', 'ignore', 'inherit'],
          }),
        url: `http://127.0.0.1:${routerPort}/graphql`,
      },
    ];
    for (const v of variants) {
      const child = v.start();
      children.push(child);
      await waitForGraphQL(v.url);
      results.push(await measure(v.name, v.url, child.pid!, first, requests, connections));
      await stopChild(child);
    }
    console.log(
      `CatalogPage(first: ${first}), ${requests} requests, ${connections} connections, ${os.cpus().length} CPUs`,
    );
    console.table(results);
    const [stock, ours] = results as [Result, Result];
    const ratio = ours.rps / stock.rps;
    console.log(`throughput ratio router/stock: ${ratio.toFixed(2)}x`);
    if (stock.cpuMsPerRequest && ours.cpuMsPerRequest) {
      console.log(`CPU per request ratio stock/router: ${(stock.cpuMsPerRequest / ours.cpuMsPerRequest).toFixed(2)}x`);
    }
    if (results.some((r) => r.failures > 0)) process.exitCode = 1;
    if (assertRatio && ratio < assertRatio) {
      console.error(`router throughput is below ${assertRatio}x the stock gateway`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(children.map(stopChild));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
