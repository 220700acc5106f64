import os from 'node:os';
import { DEFAULT_CURRENCY, numberFromEnv, processInstanceId, redisPrefix, redisUrlFromEnv } from '../kit';

/**
 * Everything reports reads from the environment, once at start (ADR 0018 documents each default).
 */
export interface ReportsConfig {
  /** REDIS_URL: the producers' event streams; without it reports serves what it has and consumes nothing. */
  redisUrl: string | null;
  /** REDIS_PREFIX (default "retail:"): streams are `<prefix>events:<source>`. */
  redisPrefix: string;
  /** The consumer group every reports process joins (REPORTS_GROUP, default "reports"). */
  group: string;
  /** This process in the group (REPORTS_CONSUMER, default host-pid-random: one per process). */
  consumer: string;
  /** Entries read per stream and call (REPORTS_BATCH, 100). */
  batchSize: number;
  /** Longest a read blocks waiting for entries (REPORTS_BLOCK_MS, 2000): also how soon stop() is noticed. */
  blockMs: number;
  /**
   * An entry delivered to a consumer and not acknowledged for this long is taken over by another
   * (XAUTOCLAIM; REPORTS_CLAIM_IDLE_MS, 60000): long enough that a live consumer is never robbed
   * of an entry it is still applying, short enough that a dead one's entries wait a minute.
   */
  claimIdleMs: number;
  /** How often a consumer looks for such entries (REPORTS_CLAIM_EVERY_MS, 10000). */
  claimEveryMs: number;
  /** Waits after a Redis or PostgreSQL failure: doubling from 250 ms up to this (REPORTS_MAX_BACKOFF_MS, 5000). */
  maxBackoffMs: number;
  /** The one currency reports sums (REPORTS_CURRENCY, CAD); an event in another is rejected. */
  currency: string;
  /**
   * Whether this process runs the report job (REPORTS_JOB=off: it only serves; another replica, or a
   * later start, produces the reports; also tests that must see no background write).
   */
  jobEnabled: boolean;
  /** How often the report job looks for PENDING reports (REPORTS_JOB_INTERVAL_MS, 2000; 0 at start only). */
  jobIntervalMs: number;
  /** A report claim older than this is taken over by another process (REPORTS_JOB_LEASE_MS, 120000). */
  jobLeaseMs: number;
  /** Claims of one report before it is FAILED (REPORTS_JOB_MAX_ATTEMPTS, 3). */
  jobMaxAttempts: number;
  /** Longest a report's figures may take to compute (REPORTS_JOB_TIMEOUT_MS, 60000). */
  jobTimeoutMs: number;
}

const num = (env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0) =>
  numberFromEnv(env, name, fallback, { min });

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ReportsConfig {
  const currency = env.REPORTS_CURRENCY?.trim() || DEFAULT_CURRENCY;
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`REPORTS_CURRENCY must be an ISO 4217 code; got ${currency}`);
  const job = env.REPORTS_JOB?.trim() || 'on';
  if (job !== 'on' && job !== 'off') throw new Error(`REPORTS_JOB must be on or off; got ${job}`);
  return {
    redisUrl: redisUrlFromEnv(env),
    redisPrefix: redisPrefix(env),
    group: env.REPORTS_GROUP?.trim() || 'reports',
    consumer: env.REPORTS_CONSUMER?.trim() || `${os.hostname()}-${processInstanceId()}`,
    batchSize: num(env, 'REPORTS_BATCH', 100, 1),
    blockMs: num(env, 'REPORTS_BLOCK_MS', 2_000, 1),
    claimIdleMs: num(env, 'REPORTS_CLAIM_IDLE_MS', 60_000, 1),
    claimEveryMs: num(env, 'REPORTS_CLAIM_EVERY_MS', 10_000, 1),
    maxBackoffMs: num(env, 'REPORTS_MAX_BACKOFF_MS', 5_000, 1),
    currency,
    jobEnabled: job === 'on',
    jobIntervalMs: num(env, 'REPORTS_JOB_INTERVAL_MS', 2_000),
    jobLeaseMs: num(env, 'REPORTS_JOB_LEASE_MS', 120_000, 1),
    jobMaxAttempts: num(env, 'REPORTS_JOB_MAX_ATTEMPTS', 3, 1),
    jobTimeoutMs: num(env, 'REPORTS_JOB_TIMEOUT_MS', 60_000, 1),
  };
}
