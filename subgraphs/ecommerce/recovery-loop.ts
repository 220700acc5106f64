import type { EcommerceContext } from './domain/context';
import { recoverOnce } from './domain/recovery';

export interface RecoveryLoop {
  /** Runs one pass now (tests); resolves when it is done. */
  runNow: () => Promise<number>;
  stop: () => Promise<void>;
}

/**
 * Runs the saga recovery (domain/recovery.ts) at start and every intervalMs (0: at start only).
 * Passes never overlap; stop() waits for the running one. `makeContext` gives each pass a fresh
 * EntityManager fork.
 */
export function startRecoveryLoop(makeContext: () => EcommerceContext, intervalMs: number): RecoveryLoop {
  let running: Promise<number> | null = null;
  let passes = 0;
  let stopped = false;
  const pass = (): Promise<number> => {
    if (running) return running;
    const ctx = makeContext();
    passes += 1;
    running = recoverOnce(ctx, { runId: String(passes) })
      .catch((err: unknown) => {
        ctx.log.error({ err }, 'saga recovery pass failed');
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = intervalMs > 0 ? setInterval(() => void (stopped ? null : pass()), intervalMs) : null;
  // The HTTP server keeps the process alive; the loop must not keep a stopping process up.
  timer?.unref();
  void pass();
  return {
    runNow: pass,
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      if (running) await running;
    },
  };
}
