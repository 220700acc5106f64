import { Pool } from 'undici';

export interface PacedResult {
  /** Latency of every request in ms, measured from its scheduled start (coordinated-omission safe). */
  latencies: number[];
  non2xx: number;
  socketErrors: number;
  badBody: number;
}

/**
 * Open-model load at a constant arrival rate, like k6's constant-arrival-rate executor: request i is
 * sent at t0 + i/rate whatever happened to earlier ones. autocannon's `overallRate` instead lets each
 * connection send its whole per-second quota back to back at the start of every second, which
 * measures bursts of `connections` concurrent requests, not a steady rate.
 */
export async function pacedLoad(opts: {
  url: string;
  body: string;
  rate: number;
  durationS: number;
  verifyBody: (body: string) => boolean;
  maxConnections?: number;
  /** Sent with every request besides content-type (e.g. authorization). */
  headers?: Record<string, string>;
}): Promise<PacedResult> {
  const u = new URL(opts.url);
  const pool = new Pool(u.origin, { connections: opts.maxConnections ?? 64, pipelining: 1 });
  const total = Math.round(opts.rate * opts.durationS);
  const intervalMs = 1000 / opts.rate;
  const result: PacedResult = { latencies: [], non2xx: 0, socketErrors: 0, badBody: 0 };
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const scheduled = t0 + i * intervalMs;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      pool
        .request({
          path: u.pathname,
          method: 'POST',
          headers: { ...opts.headers, 'content-type': 'application/json' },
          body: opts.body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        })
        .then(async (res) => {
          const text = await res.body.text();
          result.latencies.push(performance.now() - scheduled);
          if (res.statusCode < 200 || res.statusCode >= 300) result.non2xx++;
          else if (!opts.verifyBody(text)) result.badBody++;
        })
        .catch(() => {
          result.latencies.push(performance.now() - scheduled);
          result.socketErrors++;
        }),
    );
  }
  await Promise.all(inflight);
  await pool.close();
  return result;
}
