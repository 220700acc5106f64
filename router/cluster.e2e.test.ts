/**
 * The router's cluster mode for real: `node --import tsx router/index.ts` with ROUTER_WORKERS=2, as
 * a process of its own. The kit's supervisor (subgraphs/kit/cluster.ts) must run two workers on one
 * port, replace a worker that dies, survive losing every worker at once (the replacement timer is
 * what keeps the primary alive then), and drain them all on SIGTERM with exit code 0.
 *
 * What happens inside is read from the processes' JSON log lines (worker_started, worker_exited).
 */
import { processAlive as alive, spawnService, type ManagedProcess } from '../scripts/services';
import { freePort, postGraphQL, waitFor } from '../test/helpers/toolkit';

jest.setTimeout(120_000);

describe('router cluster (ROUTER_WORKERS)', () => {
  let proc: ManagedProcess | null = null;
  const events: Record<string, unknown>[] = [];

  afterAll(async () => {
    await proc?.stop(5_000);
  });

  /** Pids of the workers the primary reported started, in order. */
  const started = () => events.filter((e) => e.event === 'worker_started').map((e) => Number(e.workerPid));
  const exited = () => events.filter((e) => e.event === 'worker_exited').map((e) => Number(e.workerPid));

  it('runs two workers on one port, replaces dead ones, and drains them on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    proc = spawnService('router', process.execPath, ['--import', 'tsx', 'router/index.ts'], {
      env: { ...process.env, PORT: String(port), ROUTER_WORKERS: '2', LOG_LEVEL: 'info' },
      sink: (_service, _stream, line) => {
        if (!line.startsWith('{')) return;
        try {
          events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* not a log record */
        }
      },
    });
    const running = proc;
    const ready = async () => {
      if (running.hasExited()) throw new Error(`the router exited:\n${running.tail()}`);
      return (await fetch(`${base}/health/ready`).catch(() => null))?.status === 200;
    };

    await waitFor('two router workers', () => started().length >= 2, 60_000);
    await waitFor('the router to be ready', ready, 30_000);
    expect(new Set(started()).size).toBe(2);
    const { status, body } = await postGraphQL(`${base}/graphql`, '{ __typename }');
    expect({ status, body }).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });

    // One worker dies: a new one takes its place; the other is untouched.
    const [victim = 0, survivor = 0] = started();
    process.kill(victim, 'SIGKILL');
    await waitFor('a replacement worker', () => started().length >= 3, 30_000);
    const replacement = started()[2] ?? 0;
    expect(exited()).toContain(victim);
    expect([victim, survivor]).not.toContain(replacement);
    expect(alive(survivor)).toBe(true);
    await waitFor('the router to be ready again', ready, 30_000);

    // Every worker dies at once: the primary has nothing left but the replacement timer, and must
    // still be there to fork both again.
    process.kill(survivor, 'SIGKILL');
    process.kill(replacement, 'SIGKILL');
    await waitFor('two more workers', () => started().length >= 5, 30_000);
    expect(running.hasExited()).toBe(false);
    await waitFor('the router to be ready after losing every worker', ready, 30_000);
    const last = started().slice(3);

    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(exited()).toEqual(expect.arrayContaining(last));
    expect(last.filter(alive)).toEqual([]);
  });
});
