/**
 * Starts a Hive Gateway (`@graphql-hive/gateway`, its `hive-gateway supergraph` command) for the
 * gateway comparison: `hive` with its default (JavaScript) query planner, `hive-rust` with the Rust
 * query planner of `@graphql-hive/router-runtime`, chosen by the documented HIVE_ROUTER_RUNTIME=true.
 *
 * Each is a process of its own on 127.0.0.1 (the gateway's default host would be 0.0.0.0), serving
 * the committed supergraph with its routing URLs replaced by the running subgraphs' (the same file
 * the stock gateway gets, written to loadtests/results/), with loadtests/hive-gateway.config.ts
 * (header propagation; nothing else). Its environment is an allow-list (PATH, HOME, locale, time
 * zone, HIVE_ROUTER_RUNTIME): none of the variables that would make it report usage, trace, or fetch
 * a supergraph from a registry (HIVE_*TOKEN, HIVE_TARGET, HIVE_CDN_*, APOLLO_KEY, APOLLO_GRAPH_REF,
 * OPENTELEMETRY, DEV_REMOTE...) reaches it, whatever the bench's own environment holds.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, prefixedSink, spawnService, type ManagedProcess } from '../scripts/services';
import { withRoutingUrls } from './stock-gateway';

export const HIVE_CONFIG_FILE = path.join('loadtests', 'hive-gateway.config.ts');

/** The variables a Hive Gateway process may inherit from the bench's environment. */
export const HIVE_ENV_ALLOWED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

/** The environment a Hive Gateway is started with: the allow-list, plus the runtime switch for hive-rust. */
export function hiveEnvironment(routerRuntime: boolean, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of HIVE_ENV_ALLOWED) if (from[name] !== undefined) env[name] = from[name];
  if (routerRuntime) env.HIVE_ROUTER_RUNTIME = 'true';
  return env;
}

/** The arguments of `hive-gateway` for a supergraph file and a port. */
export function hiveArguments(supergraphFile: string, port: number): string[] {
  return [
    'supergraph',
    supergraphFile,
    '--config-path',
    HIVE_CONFIG_FILE,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
  ];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether a process has the Rust query planner's native addon mapped (hive-rust really uses it). */
export function hasRustPlanner(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/maps`, 'utf8').includes('hive_router_query_planner');
  } catch {
    return false;
  }
}

export interface StartedGateway {
  proc: ManagedProcess;
  url: string;
}

/**
 * Starts one Hive Gateway and waits until it answers a GraphQL request. For hive-rust, fails unless
 * the gateway said it uses the Router Runtime and did not fall back to the default one.
 */
export async function startHiveGateway(opts: {
  name: string;
  routerRuntime: boolean;
  subgraphUrls: Record<string, string>;
  resultsDir: string;
  timeoutMs?: number;
}): Promise<StartedGateway> {
  const supergraphFile = path.join(opts.resultsDir, 'gateways-supergraph.graphql');
  fs.writeFileSync(
    supergraphFile,
    withRoutingUrls(fs.readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8'), opts.subgraphUrls),
  );
  const bin = require
    .resolve('@graphql-hive/gateway/package.json')
    .replace(/package\.json$/, path.join('dist', 'bin.js'));
  const port = await freePort();
  const log = fs.createWriteStream(path.join(opts.resultsDir, `${opts.name}.log`));
  const lines: string[] = [];
  const fileSink = prefixedSink(log, true);
  const proc = spawnService(opts.name, process.execPath, [bin, ...hiveArguments(supergraphFile, port)], {
    env: hiveEnvironment(opts.routerRuntime),
    sink: (service, stream, line) => {
      // Its logger colours lines: keep the text.
      const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
      lines.push(plain);
      fileSink(service, stream, plain);
    },
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (proc.hasExited()) throw new Error(`${opts.name} exited during start-up:\n${proc.tail()}`);
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`${opts.name} not ready after ${opts.timeoutMs ?? 120_000} ms:\n${proc.tail()}`);
    }
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
        signal: AbortSignal.timeout(2000),
      });
      const text = await res.text();
      if (res.status === 200 && text.includes('"Query"')) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (opts.routerRuntime) {
    const said = lines.some((l) => l.includes('Using Hive Router Runtime'));
    const fellBack = lines.some((l) => l.includes('Could not load the @graphql-hive/router-runtime'));
    if (!said || fellBack) {
      await proc.stop();
      throw new Error(`${opts.name}: the gateway did not start with the Hive Router Runtime:\n${lines.join('\n')}`);
    }
  }
  return { proc, url };
}
