import { faultFromEnv, numberFromEnv, processInstanceId } from '../kit';
import { calleeConfigFromEnv, type CalleeConfig } from '../kit/clients';
import type { CheckoutSettings } from './domain/context';

/** The test-only crash point (CHECKOUT_FAULT): right after PAYMENT_AUTHORIZED is persisted. */
export const CHECKOUT_FAULTS = ['crash_after_authorize'] as const;

/**
 * Everything ecommerce reads from the environment, read once at start: the saga's settings (the
 * domain's CheckoutSettings, read in configFromEnv below with their environment names and defaults)
 * plus what only the adapters use: the callees (kit CalleeConfig) and the rest below.
 */
export interface EcommerceConfig extends CheckoutSettings, CalleeConfig {
  /** Lifetime of a customer JWT (CUSTOMER_TOKEN_TTL_SECONDS, default 1 hour). */
  customerTokenTtlSeconds: number;
  /** How often the recovery loop looks for abandoned sagas (SAGA_RECOVERY_INTERVAL_MS, 10000; 0 disables the loop). */
  recoveryIntervalMs: number;
  /** Test-only fault injection (CHECKOUT_FAULT=crash_after_authorize); refused in production. */
  fault: (typeof CHECKOUT_FAULTS)[number] | null;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EcommerceConfig {
  const fault = faultFromEnv(env, 'CHECKOUT_FAULT', CHECKOUT_FAULTS);
  const num = (name: string, fallback: number) => numberFromEnv(env, name, fallback);
  return {
    ...calleeConfigFromEnv(env),
    customerTokenTtlSeconds: num('CUSTOMER_TOKEN_TTL_SECONDS', 3600),
    reservationTtlSeconds: num('RESERVATION_TTL_SECONDS', 900),
    paymentTimeoutMs: num('PAYMENT_TIMEOUT_MS', 5000),
    commitTriesPerRun: 2,
    maxCommitAttempts: num('SAGA_MAX_COMMIT_ATTEMPTS', 10),
    stuckAfterMs: num('SAGA_STUCK_AFTER_MS', 30_000),
    recoveryIntervalMs: num('SAGA_RECOVERY_INTERVAL_MS', 10_000),
    maxForwardAgeMs: num('SAGA_MAX_FORWARD_AGE_MS', 600_000),
    fault,
    instanceId: processInstanceId(),
  };
}
