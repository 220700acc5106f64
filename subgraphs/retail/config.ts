import { randomBytes } from 'node:crypto';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../kit';
import { calleeUrls, callTimeoutFromEnv } from '../kit/clients';
import type { SaleSettings } from './domain/context';

/** The test-only crash points (SALE_FAULT): right after the stock was reserved, or taken, before that is persisted. */
export const SALE_FAULTS = ['crash_after_reserve', 'crash_after_commit'] as const;
export type SaleFault = (typeof SALE_FAULTS)[number];

/**
 * Everything retail reads from the environment, read once at start: the sagas' settings (the
 * domain's SaleSettings) plus what only the adapters use.
 */
export interface RetailConfig extends SaleSettings {
  /** Products subgraph GraphQL endpoint (PRODUCTS_URL). */
  productsUrl: string;
  /** Inventory replicas, round-robin (INVENTORY_URL, comma-separated). */
  inventoryUrls: string[];
  /** Lifetime of a staff JWT (STAFF_TOKEN_TTL_SECONDS, default 8 hours: a shift; at most 12). */
  staffTokenTtlSeconds: number;
  /** Timeout of each HTTP call to another subgraph (SUBGRAPH_CALL_TIMEOUT_MS, 10000). */
  callTimeoutMs: number;
  /** How often recovery looks for abandoned sales and returns (SALE_RECOVERY_INTERVAL_MS, 10000; 0: at start only). */
  recoveryIntervalMs: number;
  /** Test-only fault injection (SALE_FAULT); refused in production. */
  fault: SaleFault | null;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number; got ${raw}`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RetailConfig {
  const fault = env.SALE_FAULT?.trim() || null;
  if (fault !== null && !(SALE_FAULTS as readonly string[]).includes(fault))
    throw new Error(`unknown SALE_FAULT ${fault}`);
  if (fault !== null && env.NODE_ENV === 'production') throw new Error('SALE_FAULT is refused in production');
  const staffTokenTtlSeconds = num(env, 'STAFF_TOKEN_TTL_SECONDS', 8 * 3600);
  if (staffTokenTtlSeconds > MAX_TOKEN_LIFETIME_SECONDS.CLERK) {
    throw new Error(`STAFF_TOKEN_TTL_SECONDS must be at most ${MAX_TOKEN_LIFETIME_SECONDS.CLERK}`);
  }
  return {
    // products runs one instance: its first URL.
    productsUrl: calleeUrls('products', env)[0]!,
    inventoryUrls: calleeUrls('inventory', env),
    staffTokenTtlSeconds,
    callTimeoutMs: callTimeoutFromEnv(10_000, env),
    reservationTtlSeconds: num(env, 'SALE_RESERVATION_TTL_SECONDS', 3600),
    stuckAfterMs: num(env, 'SALE_STUCK_AFTER_MS', 30_000),
    replayWaitMs: num(env, 'SALE_REPLAY_WAIT_MS', 5_000),
    recoveryIntervalMs: num(env, 'SALE_RECOVERY_INTERVAL_MS', 10_000),
    fault: fault as SaleFault | null,
    instanceId: `${process.pid}-${randomBytes(4).toString('hex')}`,
  };
}
