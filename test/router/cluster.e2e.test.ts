/**
 * The router's cluster mode for real: `node --import tsx router/index.ts` with ROUTER_WORKERS=2, as
 * a process of its own. The kit's supervisor (subgraphs/kit/cluster.ts) must run two workers on one
 * port, replace workers that die, even every worker at once (the replacement timer is then all that
 * keeps the primary alive), and drain them all on SIGTERM with exit code 0. Replacing one worker
 * while the others serve is covered by test/subgraphs/inventory/cluster.subgraph.test.ts.
 *
 * What happens inside is read from the processes' JSON log lines (worker_started, worker_exited).
 */
import { processAlive as alive, spawnService, type ManagedProcess } from '../../scripts/services';
import { freePort, postGraphQL, waitFor } from '../helpers/toolkit';

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

  it('runs two workers on one port, replaces them when all die at once, and drains them on SIGTERM', async () => {
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
    const primaryUp = () => {
      if (running.hasExited()) throw new Error(`the router primary exited:\n${running.tail()}`);
    };
    const ready = async () => {
      primaryUp();
      return (await fetch(`${base}/health/ready`).catch(() => null))?.status === 200;
    };
    const workersStarted = (n: number) => () => {
      primaryUp();
      return started().length >= n;
    };

    await waitFor('two router workers', workersStarted(2), 60_000);
    await waitFor('the router to be ready', ready, 60_000);
    expect(new Set(started()).size).toBe(2);
    const { status, body } = await postGraphQL(`${base}/graphql`, '{ __typename }');
    expect({ status, body }).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });

    // Every worker dies at once: the primary has nothing left but the replacement timer, and must
    // still be there to fork both again.
    const first = started();
    for (const pid of first) process.kill(pid, 'SIGKILL');
    await waitFor('two replacement workers', workersStarted(4), 60_000);
    expect(exited()).toEqual(expect.arrayContaining(first));
    await waitFor('the router to be ready after losing every worker', ready, 60_000);
    const last = started().slice(2);
    expect(last.filter((pid) => first.includes(pid))).toEqual([]);

    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(exited()).toEqual(expect.arrayContaining(last));
    expect(last.filter(alive)).toEqual([]);
  });
});
