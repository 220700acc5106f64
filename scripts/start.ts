/**
 * `npm start`: the whole supergraph on one machine (docs/architecture.md, "Operations").
 *
 * PostgreSQL from DATABASE_URL, else embedded (data in .data/pg, port EMBEDDED_PG_PORT=5433);
 * one database per subgraph (DB_PREFIX prepended); every subgraph of subgraphs/registry.ts (those
 * a subgraph calls first), then the router on BASE_PORT (4000). Demo data is seeded once
 * (SEED_DEMO=0 skips it). The back-office app (web/) is built when web/dist is stale, while the
 * services start, and served on WEB_PORT (4100) by web/server.ts, calling the router directly (its
 * CORS lets that origin in). Ctrl-C or SIGTERM stops the web server, the router, then the subgraphs,
 * then PostgreSQL, and exits 0.
 */
import path from 'node:path';
import * as demo from '../subgraphs/kit/demo-ids';
import { registryEntry } from '../subgraphs/registry';
import { ensureWebBuilt } from '../web/build';
import { DEFAULT_WEB_PORT, startWebServer, webOptionsFromEnv, type RunningWebServer } from '../web/server';
import {
  AbortedError,
  prefixedSink,
  startStack,
  StartupError,
  stackOptionsFromEnv,
  type RunningStack,
} from './services';

const sink = prefixedSink();
const say = (message: string) => sink('start', 'stdout', message);

function banner(stack: RunningStack, basePort: number, accounts: string[], web: RunningWebServer | null): string {
  const lines = [
    '',
    `  Apollo Sandbox:  http://localhost:${basePort}/`,
    `  GraphQL:         ${stack.routerUrl}`,
    ...(web ? [`  Back office:     ${web.url}  (staff sign in with the retail accounts below)`] : []),
    ...Object.entries(stack.subgraphUrls).map(([name, url]) => `  ${(name + ':').padEnd(17)}${url}`),
    '',
    '  Demo data (subgraphs/kit/demo-ids.ts):',
    `    stores      ${demo.DEMO_STORES.map((s) => s.id).join(', ')}`,
    `    locations   ${demo.DEMO_LOCATIONS.map((l) => l.id).join(', ')}`,
    `    products    ${demo.demoProductId(1)} .. ${demo.demoProductId(demo.DEMO_PRODUCT_COUNT)} (SKUs ${demo.demoSku(1)} .. ${demo.demoSku(demo.DEMO_PRODUCT_COUNT)})`,
    ...(accounts.length ? ['    sign in with (login / password):', ...accounts] : []),
    '',
    '  A token for the Authorization header: npm run token -- --role ADMIN',
    '',
    '  Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n');
}

/**
 * Demo people come from the seed modules of the running subgraphs (ecommerce customers, later
 * retail staff): any exported array of objects with an email or username, signing in with their
 * own `password` or the module's exported *PASSWORD constant. Read at run time so that a new
 * subgraph's seed shows up here without this file knowing its shape.
 */
async function accountLines(subgraphs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of subgraphs) {
    let mod: Record<string, unknown>;
    try {
      // A subgraph without a seed module (or one that fails to load) simply has no accounts to show.
      mod = (await import(path.join(registryEntry(name).dir, 'seed'))) as Record<string, unknown>;
    } catch {
      continue;
    }
    const shared = Object.entries(mod).find(([k, v]) => /PASSWORD/.test(k) && typeof v === 'string')?.[1] as
      string | undefined;
    for (const [key, value] of Object.entries(mod)) {
      if (!Array.isArray(value)) continue;
      const people = value.filter(
        (v): v is Record<string, unknown> =>
          typeof v === 'object' && v !== null && (typeof v.email === 'string' || typeof v.username === 'string'),
      );
      if (people.length === 0) continue;
      out.push(`    ${key.replace(/^DEMO_/, '').toLowerCase()} (${name}):`);
      for (const p of people) {
        const login = String(p.email ?? p.username);
        const password = typeof p.password === 'string' ? p.password : (shared ?? '?');
        const extra = ['id', 'role', 'storeId']
          .filter((k) => typeof p[k] === 'string')
          .map((k) => `${k}=${String(p[k])}`);
        out.push(`      ${login.padEnd(28)} ${password}${extra.length ? `   (${extra.join(', ')})` : ''}`);
      }
    }
  }
  return out;
}

/**
 * The router lets in the back office's origin: the development default covers port 4100; another
 * WEB_PORT is added here, before the router starts, unless ROUTER_CORS_ORIGINS says otherwise.
 */
function allowWebOrigin(port: number): void {
  if (port === DEFAULT_WEB_PORT || process.env.ROUTER_CORS_ORIGINS !== undefined) return;
  process.env.ROUTER_CORS_ORIGINS = `http://localhost:${port},http://127.0.0.1:${port}`;
}

/** Serves the back office once its build is done; the API runs on without it when it cannot. */
async function startWeb(built: Promise<unknown>, routerUrl: string): Promise<RunningWebServer | null> {
  try {
    await built;
    const options = webOptionsFromEnv();
    return await startWebServer({ ...options, routerUrl: process.env.WEB_ROUTER_URL || routerUrl });
  } catch (err) {
    say(`back office not served: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

async function main(): Promise<number> {
  const options = stackOptionsFromEnv();
  allowWebOrigin(webOptionsFromEnv().port ?? DEFAULT_WEB_PORT);
  // Vite builds while PostgreSQL and the subgraphs start; a failure is reported once they are up.
  const built = ensureWebBuilt(say);
  built.catch(() => undefined);
  const aborter = new AbortController();
  let stack: RunningStack | null = null;
  let web: RunningWebServer | null = null;
  let shuttingDown: Promise<number> | null = null;
  const shutdown = (reason: string, code: number, running: RunningStack) => {
    shuttingDown ??= (async () => {
      say(`${reason}: stopping the back office, router, subgraphs and PostgreSQL`);
      await web?.stop();
      await running.stop();
      say('stopped');
      return code;
    })();
    return shuttingDown;
  };

  let onSignal: (code: number) => void = () => undefined;
  let firstSignalAt = 0;
  const signalled = new Promise<number>((resolve) => (onSignal = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!stack) {
        // startStack stops what it has started and rejects with AbortedError.
        if (!aborter.signal.aborted) say(`${signal} during start-up: stopping what has started`);
        aborter.abort();
        return;
      }
      if (shuttingDown) {
        // tsx (npm start) forwards the terminal's Ctrl-C, so one arrives twice at once: stay quiet then.
        if (Date.now() - firstSignalAt > 1000)
          say(`${signal} again: still stopping (a process that hangs is killed after 15 s)`);
        return;
      }
      firstSignalAt = Date.now();
      void shutdown(signal, 0, stack).then(onSignal);
    });
  }

  try {
    stack = await startStack({ ...options, sink, say, signal: aborter.signal });
  } catch (err) {
    if (err instanceof AbortedError) {
      say('stopped');
      return 0;
    }
    if (err instanceof StartupError) {
      say(`start-up failed: ${err.message}`);
      if (err.tail) {
        say(`last output of ${err.service}:`);
        for (const line of err.tail.split('\n')) sink(err.service, 'stderr', line);
      }
      return 1;
    }
    throw err;
  }
  const running = stack;
  web = await startWeb(built, running.routerUrl);
  console.log(banner(running, options.basePort ?? 4000, await accountLines(Object.keys(running.subgraphUrls)), web));

  const crashed = running.crashed.then((c) => {
    say(`${c.name} exited unexpectedly (${c.signal ?? `code ${c.code}`})`);
    if (c.tail) for (const line of c.tail.split('\n').slice(-20)) sink(c.name, 'stderr', line);
    return shutdown(`${c.name} crashed`, 1, running);
  });
  return Promise.race([signalled, crashed]);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
