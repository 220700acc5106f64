import type { Logger } from './logger';

/** A background job run on a timer (saga recovery, expiry sweeps). */
export interface PeriodicTask {
  /** Runs one pass now (also tests); resolves with what the pass reports, 0 when it failed. */
  runNow: () => Promise<number>;
  /** Stops the timer and waits for a pass in progress, so the ORM can be closed after it. */
  stop: () => Promise<void>;
}

/**
 * Runs `pass` at start (unless told not to) and every intervalMs (0: never again). Passes never
 * overlap: a slow pass is not stacked up by the next tick. A failed pass is logged and the next tick
 * tries again. The timer is unref'd: the HTTP server keeps the process alive, the job must not keep a
 * stopping process up.
 */
export function startPeriodic(opts: {
  name: string;
  log: Logger;
  intervalMs: number;
  runAtStart?: boolean;
  /** One pass; `n` counts the passes of this process (1, 2, ...). */
  pass: (n: number) => Promise<number>;
}): PeriodicTask {
  let running: Promise<number> | null = null;
  let passes = 0;
  let stopped = false;
  const runNow = (): Promise<number> => {
    running ??= opts
      .pass(++passes)
      .catch((err: unknown) => {
        opts.log.error({ err }, `${opts.name} failed`);
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = opts.intervalMs > 0 ? setInterval(() => void (stopped ? null : runNow()), opts.intervalMs) : null;
  timer?.unref();
  if (opts.runAtStart !== false) void runNow();
  return {
    runNow,
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      if (running) await running;
    },
  };
}

/**
 * A saga recovery loop (kit/saga.ts): `recover` at start and every intervalMs (0: at start only), each
 * pass on a fresh `context()` (its own unit of work, no caller) with the pass number as its runId.
 */
export function startRecovery<C>(opts: {
  name: string;
  log: Logger;
  intervalMs: number;
  context: () => C;
  recover: (ctx: C, pass: { runId: string }) => Promise<number>;
}): PeriodicTask {
  return startPeriodic({
    name: opts.name,
    log: opts.log,
    intervalMs: opts.intervalMs,
    pass: (n) => opts.recover(opts.context(), { runId: String(n) }),
  });
}
