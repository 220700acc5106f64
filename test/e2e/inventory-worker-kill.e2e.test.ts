import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { CatalogPageDocument } from '../../schema/operations/generated';
import { typeDefs as inventoryTypeDefs } from '../../subgraphs/inventory/server';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { startStack, type Stack } from '../helpers/stack';
import { freePort, waitFor } from '../helpers/toolkit';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');

interface LogLine {
  event?: string;
  workerPid?: number;
  [k: string]: unknown;
}

/** The real inventory entry point: a cluster primary that forks INVENTORY_REPLICAS workers. */
class InventoryCluster {
  readonly lines: LogLine[] = [];
  private readonly waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/inventory/index.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    for (const stream of [this.proc.stdout!, this.proc.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (text) => {
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { text };
        }
        this.lines.push(line);
        for (const w of [...this.waiters]) {
          if (w.match(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      });
    }
  }

  waitFor(match: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const found = this.lines.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const tail = this.lines
          .slice(-15)
          .map((l) => JSON.stringify(l))
          .join('\n');
        reject(new Error(`inventory cluster: no ${what} within ${timeoutMs} ms; last lines:\n${tail}`));
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  workerPids(): number[] {
    const started = this.lines.filter((l) => l.event === 'worker_started').map((l) => l.workerPid as number);
    const exited = new Set(this.lines.filter((l) => l.event === 'worker_exited').map((l) => l.workerPid as number));
    return started.filter((pid) => !exited.has(pid));
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const pid of this.workerPids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      this.proc.kill('SIGKILL');
    }, 25_000);
    await this.exited;
    clearTimeout(timer);
  }
}

describe('inventory cluster worker killed during a burst of catalogue queries', () => {
  let db: TestDatabase;
  let cluster: InventoryCluster;
  let stack: Stack;

  beforeAll(async () => {
    db = await freshDatabase('inventory_cluster');
    const port = await freePort();
    cluster = new InventoryCluster({
      ...process.env,
      INVENTORY_DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      INVENTORY_REPLICAS: '3',
      SEED_DEMO: '1',
      METRICS_PORT: 'off',
      LOG_LEVEL: 'info',
      DB_POOL_MAX: '3',
    });
    await cluster.waitFor((l) => l.event === 'primary_started', 90_000, 'primary start');
    await waitFor('3 inventory workers', () => cluster.workerPids().length >= 3, 90_000);
    stack = await startStack({
      services: ['products'],
      seed: true,
      externalSubgraphs: { inventory: { url: `http://127.0.0.1:${port}/graphql`, typeDefs: inventoryTypeDefs } },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await cluster?.stop();
    await db?.drop();
  });

  it('every one of 200 requests succeeds while a worker is killed with SIGKILL, and the worker is replaced', async () => {
    const warm = await stack.gql(CatalogPageDocument, { first: 20 });
    expect(warm.body.errors).toBeUndefined();
    expect(warm.body.data!.products.edges[0]!.node.stock).not.toBeNull();

    const workersBefore = cluster.workerPids();
    expect(workersBefore).toHaveLength(3);
    const victim = workersBefore[1]!;

    const total = 200;
    const concurrency = 20;
    let issued = 0;
    let completed = 0;
    let killed = false;
    const failures: string[] = [];
    const runOne = async () => {
      const { status, body } = await stack.gql(CatalogPageDocument, { first: 20 });
      completed++;
      const edges = body.data?.products.edges ?? [];
      if (status !== 200 || body.errors || edges.length !== 20 || edges.some((e) => e.node.stock === null)) {
        failures.push(`${status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
      }
      if (!killed && completed >= 50) {
        killed = true;
        process.kill(victim, 'SIGKILL');
      }
    };
    const lanes = Array.from({ length: concurrency }, async () => {
      while (issued < total) {
        issued++;
        await runOne();
      }
    });
    await Promise.all(lanes);

    expect(killed).toBe(true);
    expect(completed).toBe(total);
    expect(failures).toEqual([]);

    const exited = await cluster.waitFor(
      (l) => l.event === 'worker_exited' && l.workerPid === victim,
      10_000,
      'exit of the killed worker',
    );
    expect(exited.signal).toBe('SIGKILL');
    const replacement = await cluster.waitFor(
      (l) => l.event === 'worker_started' && typeof l.workerPid === 'number' && !workersBefore.includes(l.workerPid),
      60_000,
      'replacement worker',
    );
    expect(replacement.workerPid).not.toBe(victim);
    expect(cluster.workerPids()).toHaveLength(3);

    // The replacement serves too: a last burst spread over fresh connections still succeeds.
    const after = await Promise.all(Array.from({ length: 10 }, () => stack.gql(CatalogPageDocument, { first: 5 })));
    expect(after.every((r) => r.status === 200 && !r.body.errors)).toBe(true);
  });
});
