/**
 * A subgraph as its own process, as in production (`subgraphs/<name>/index.ts`), for the crash tests:
 * started with a test-only fault switch armed or not, killed and restarted on the same port and
 * database, while an in-process stack (products, inventory, the router) keeps running around it.
 *
 *   const sub = subgraphProcess({ name: 'retail', port, dbUrl: db.url, stack, faultVar: 'SALE_FAULT' });
 *   const crashing = await sub.start({ SALE_FAULT: 'crash_after_take' });
 *   expect(await crashing.exited).toBe(FAULT_EXIT_CODE);
 *   await sub.start();
 *   await sub.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ServiceName } from '../../subgraphs/kit';
import type { Stack } from './stack';
import { waitFor } from './toolkit';

const ROOT = path.join(__dirname, '..', '..');

/** One run of the process. */
export interface SubgraphChild {
  proc: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export interface SubgraphProcess {
  /** The run started last (it may have exited since), or null before the first and after stop(). */
  readonly current: SubgraphChild | null;
  /** Starts a run with `env` on top of the base environment and waits until it is ready. */
  start: (env?: Record<string, string>) => Promise<SubgraphChild>;
  /** Starts a run without waiting for readiness: a run expected to exit while it recovers at boot. */
  launch: (env?: Record<string, string>) => SubgraphChild;
  /** Stops the current run (SIGTERM, SIGKILL after 10 s) and waits until its port is free. */
  stop: () => Promise<void>;
}

export function subgraphProcess(opts: {
  name: ServiceName;
  /** The fixed port the stack's router was told about (externalSubgraphs). */
  port: number;
  dbUrl: string;
  /** The stack whose products and inventory replicas the subgraph calls. */
  stack: Stack;
  /** The subgraph's fault switch: never inherited from the test's environment, set only by start(env). */
  faultVar: string;
  /** The subgraph's own settings for every run. */
  env?: Record<string, string>;
}): SubgraphProcess {
  const { name, port } = opts;
  let current: SubgraphChild | null = null;

  const spawnChild = (env: Record<string, string>): SubgraphChild => {
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      [`${name.toUpperCase()}_DATABASE_URL`]: opts.dbUrl,
      PRODUCTS_URL: opts.stack.subgraph('products').url,
      INVENTORY_URL: opts.stack
        .instances('inventory')
        .map((s) => s.url)
        .join(','),
      ...opts.env,
    };
    delete childEnv[opts.faultVar];
    Object.assign(childEnv, env);
    // `npx tsx file` is `node --import tsx file` after two wrapper processes; spawning node directly
    // makes proc.pid the server itself, so the test stops exactly the process it started.
    const proc = spawn(process.execPath, ['--import', 'tsx', `subgraphs/${name}/index.ts`], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    return { proc, output: () => out, exited };
  };

  const ready = (child: SubgraphChild) =>
    waitFor(
      `${name} to be ready`,
      async () => {
        if (child.proc.exitCode !== null) throw new Error(`${name} exited early:\n${child.output()}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
        } catch {
          return false;
        }
      },
      60_000,
    );

  return {
    get current() {
      return current;
    },
    launch: (env: Record<string, string> = {}) => {
      current = spawnChild(env);
      return current;
    },
    start: async (env = {}) => {
      const child = spawnChild(env);
      current = child;
      await ready(child);
      return child;
    },
    stop: async () => {
      const child = current;
      current = null;
      if (!child || child.proc.exitCode !== null) return;
      child.proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([child.exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
      // The port is free once the server process itself is gone.
      await waitFor(
        'the port to be free',
        async () => {
          try {
            await fetch(`http://127.0.0.1:${port}/health/live`);
            return false;
          } catch {
            return true;
          }
        },
        15_000,
      );
    },
  };
}
