import { faultFromEnv, MAX_TOKEN_LIFETIME_SECONDS, numberFromEnv, processInstanceId } from '../kit';
import { calleeConfigFromEnv, type CalleeConfig } from '../kit/clients';
import type { SaleSettings } from './domain/context';

/** The test-only crash point (SALE_FAULT): right after inventory took the stock, before that is persisted. */
export const SALE_FAULTS = ['crash_after_take'] as const;
export type SaleFault = (typeof SALE_FAULTS)[number];

/**
 * Everything retail reads from the environment, read once at start: the sagas' settings (the
 * domain's SaleSettings) plus what only the adapters use: the callees (kit CalleeConfig) and the rest
 * below.
 */
export interface RetailConfig extends SaleSettings, CalleeConfig {
  /** Lifetime of a staff JWT (STAFF_TOKEN_TTL_SECONDS, default 8 hours: a shift; at most 12). */
  staffTokenTtlSeconds: number;
  /** How often recovery looks for abandoned sales and returns (SALE_RECOVERY_INTERVAL_MS, 10000; 0: at start only). */
  recoveryIntervalMs: number;
  /** Test-only fault injection (SALE_FAULT); refused in production. */
  fault: SaleFault | null;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RetailConfig {
  const fault = faultFromEnv(env, 'SALE_FAULT', SALE_FAULTS);
  const num = (name: string, fallback: number) => numberFromEnv(env, name, fallback);
  const staffTokenTtlSeconds = num('STAFF_TOKEN_TTL_SECONDS', 8 * 3600);
  if (staffTokenTtlSeconds > MAX_TOKEN_LIFETIME_SECONDS.CLERK) {
    throw new Error(`STAFF_TOKEN_TTL_SECONDS must be at most ${MAX_TOKEN_LIFETIME_SECONDS.CLERK}`);
  }
  return {
    ...calleeConfigFromEnv(env),
    staffTokenTtlSeconds,
    reservationTtlSeconds: num('SALE_RESERVATION_TTL_SECONDS', 3600),
    stuckAfterMs: num('SALE_STUCK_AFTER_MS', 30_000),
    replayWaitMs: num('SALE_REPLAY_WAIT_MS', 5_000),
    recoveryIntervalMs: num('SALE_RECOVERY_INTERVAL_MS', 10_000),
    fault,
    instanceId: processInstanceId(),
  };
}
