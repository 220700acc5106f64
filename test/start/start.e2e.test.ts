/**
 * `npm start` for real: the command npm runs (`tsx scripts/start.ts`) as a child process, on the
 * test PostgreSQL server (DATABASE_URL) with its own database names (DB_PREFIX) and ports
 * (BASE_PORT), so it collides neither with other test files nor with a stack already running.
 * It must print the Sandbox URL, serve the contract's CatalogPage through the router, serve the
 * back-office app (WEB_PORT) with the router letting its origin in, and on Ctrl-C (SIGINT to its process group, as a terminal sends it) stop every process it started and
 * exit 0.
 *
 * tsx is spawned directly rather than through npx: npm re-raises SIGINT on itself after its child
 * exits, so npx's own exit status would be "killed by SIGINT" whatever start.ts did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { dropDatabase } from '../../subgraphs/kit';
import { CatalogPageDocument } from '../../schema/operations/generated';
import { isPortFree, processAlive as alive, ROOT, SUBGRAPHS } from '../../scripts/services';
import { testServerUrl } from '../helpers/db';
import { postGraphQL, tokens } from '../helpers/toolkit';

jest.setTimeout(300_000);

/** Port offsets a stack uses: the router's (0) and each registered subgraph's. */
const OFFSETS = [0, ...SUBGRAPHS.map((s) => s.portOffset)];
/** The back office's port (WEB_PORT) from the base port: clear of the subgraphs' and metrics' ports. */
const WEB_OFFSET = 50;

/** A base port whose router/subgraph ports and their metrics ports (+100: inventory's aggregate) are free. */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 2_000) * 10;
    const ports = [...OFFSETS.flatMap((o) => [base + o, base + 100 + o]), base + WEB_OFFSET];
    const free = await Promise.all(ports.map((p) => isPortFree(p)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free base port found');
}

/** Every process below `root` (children, grandchildren...), from /proc. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; ppid follows the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

describe('npm start (scripts/start.ts)', () => {
  const server = testServerUrl();
  const prefix = `t_start_${randomBytes(3).toString('hex')}_`;
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await Promise.all(SUBGRAPHS.map((s) => dropDatabase(server, `${prefix}${s.name}`).catch(() => undefined)));
  });

  interface Started {
    proc: ChildProcess;
    base: number;
    output: () => string;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }

  async function spawnStart(extraEnv: NodeJS.ProcessEnv = {}): Promise<Started> {
    const base = await freeBasePort();
    const proc = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
      cwd: ROOT,
      // Its own process group, so that SIGINT can go to the whole group, as a terminal's Ctrl-C does.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: server,
        DB_PREFIX: prefix,
        BASE_PORT: String(base),
        WEB_PORT: String(base + WEB_OFFSET),
        NO_COLOR: '1',
        LOG_LEVEL: 'warn',
        ...extraEnv,
      },
    });
    children.push(proc);
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return { proc, base, output: () => output, exited };
  }

  it('starts the supergraph, serves CatalogPage through the router, and stops everything on Ctrl-C', async () => {
    const started = Date.now();
    const { proc, base, output, exited } = await spawnStart();
    const sandbox = `http://localhost:${base}/`;
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output().includes(sandbox)) {
          clearInterval(timer);
          resolve();
        } else if (proc.exitCode !== null || Date.now() - started > 240_000) {
          clearInterval(timer);
          reject(new Error(`no Sandbox URL printed (exit ${proc.exitCode}); output:\n${output().slice(-4000)}`));
        }
      }, 200);
    });
    expect(output()).toMatch(/Apollo Sandbox: +http:\/\/localhost:\d+\//);
    expect(output()).toContain('prod-0001');

    // Each subgraph got its own prefixed database on the given server.
    const pg = new Client({ connectionString: server });
    await pg.connect();
    try {
      const dbs = await pg.query<{ datname: string }>('select datname from pg_database where datname like $1', [
        `${prefix}%`,
      ]);
      expect(dbs.rows.map((r) => r.datname).sort()).toEqual(SUBGRAPHS.map((s) => `${prefix}${s.name}`).sort());
    } finally {
      await pg.end();
    }

    const routerUrl = `http://127.0.0.1:${base}/graphql`;
    const { status, body } = await postGraphQL(routerUrl, CatalogPageDocument, { first: 20 });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const edges = body.data?.products.edges ?? [];
    expect(edges).toHaveLength(20);
    for (const { node } of edges) expect(typeof node.stock?.available).toBe('number');
    expect(body.data?.products.totalCount).toBeGreaterThanOrEqual(300);

    // Tokens signed like `npm run token` (JWT_SECRET or the kit's dev secret) are accepted, and
    // the ecommerce demo customers were seeded.
    const me = await postGraphQL(routerUrl, '{ me { id email } }', undefined, { token: tokens.customer('cust-0001') });
    expect(me.body).toEqual({ data: { me: { id: 'cust-0001', email: 'alice@example.com' } } });

    // The Sandbox landing page is served at the printed URL (browsers ask for HTML).
    const landing = await fetch(`http://127.0.0.1:${base}/`, { headers: { accept: 'text/html' } });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toMatch(/<html/i);

    // The back office: printed with the staff accounts, served, told where the router is, and the
    // router lets its origin in (another port than 4100 is added to the router's CORS origins).
    const webPort = base + WEB_OFFSET;
    const webOrigin = `http://localhost:${webPort}`;
    expect(output()).toMatch(new RegExp(`Back office: +${webOrigin}/`));
    expect(output()).toContain('manager1@staff.example.com');
    const app = await fetch(`http://127.0.0.1:${webPort}/dashboard`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('<div id="root">');
    const config = await fetch(`http://127.0.0.1:${webPort}/config.json`);
    expect(await config.json()).toMatchObject({ routerUrl, apiKey: null });
    const preflight = await fetch(routerUrl, {
      method: 'OPTIONS',
      headers: {
        origin: webOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(webOrigin);

    const pids = descendants(proc.pid as number);
    // tsx -> start.ts -> every subgraph (inventory with its workers), the router.
    expect(pids.length).toBeGreaterThanOrEqual(SUBGRAPHS.length + 3);

    process.kill(-(proc.pid as number), 'SIGINT');
    const result = await exited;
    expect({ result, tail: result.code === 0 ? '' : output().slice(-3000) }).toEqual({
      result: { code: 0, signal: null },
      tail: '',
    });
    expect(output()).toContain('stopped');
    // Give the kernel a moment to reap the last ones, then nothing started must be left.
    for (let i = 0; i < 20 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
    // And the ports are free again.
    expect(await isPortFree(base)).toBe(true);
    expect(await isPortFree(base + 1)).toBe(true);
    expect(await isPortFree(webPort)).toBe(true);
  });

  it('stops everything and exits non-zero with the stderr tail when a service crashes during start-up', async () => {
    // The router cannot read its supergraph: it dies after the subgraphs are already up.
    const { proc, output, exited } = await spawnStart({ SUPERGRAPH_FILE: '/nonexistent/supergraph.graphql' });
    let pids: number[] = [];
    const watcher = setInterval(() => {
      // Collect what it starts while it runs, to check afterwards that all of it is gone.
      for (const pid of descendants(proc.pid as number)) if (!pids.includes(pid)) pids.push(pid);
    }, 100);
    const result = await exited;
    clearInterval(watcher);
    expect(result.code).toBe(1);
    expect(output()).toMatch(/start-up failed: router exited during start-up/);
    expect(output()).toContain('/nonexistent/supergraph.graphql');
    expect(output()).not.toContain('Apollo Sandbox');
    pids = pids.filter((p) => p !== proc.pid);
    for (let i = 0; i < 20 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  });
});
