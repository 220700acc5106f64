import { randomBytes } from 'node:crypto';
import { calleeUrls, callTimeoutFromEnv } from '../kit/clients';
import type { CheckoutSettings } from './domain/context';

/**
 * Everything ecommerce reads from the environment, read once at start: the saga's settings (the
 * domain's CheckoutSettings, read in configFromEnv below with their environment names and defaults)
 * plus what only the adapters use.
 */
export interface EcommerceConfig extends CheckoutSettings {
  /** Products subgraph GraphQL endpoint (PRODUCTS_URL). */
  productsUrl: string;
  /** Inventory replicas, round-robin (INVENTORY_URL, comma-separated). */
  inventoryUrls: string[];
  /** Lifetime of a customer JWT (CUSTOMER_TOKEN_TTL_SECONDS, default 1 hour). */
  customerTokenTtlSeconds: number;
  /** Timeout of each HTTP call to another subgraph (SUBGRAPH_CALL_TIMEOUT_MS, 10000). */
  callTimeoutMs: number;
  /** How often the recovery loop looks for abandoned sagas (SAGA_RECOVERY_INTERVAL_MS, 10000; 0 disables the loop). */
  recoveryIntervalMs: number;
  /** Test-only fault injection (CHECKOUT_FAULT=crash_after_reserve); refused in production. */
  fault: 'crash_after_reserve' | null;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number; got ${raw}`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EcommerceConfig {
  const fault = env.CHECKOUT_FAULT?.trim() || null;
  if (fault !== null && fault !== 'crash_after_reserve') throw new Error(`unknown CHECKOUT_FAULT ${fault}`);
  if (fault !== null && env.NODE_ENV === 'production') throw new Error('CHECKOUT_FAULT is refused in production');
  return {
    // products runs one instance: its first URL.
    productsUrl: calleeUrls('products', env)[0]!,
    inventoryUrls: calleeUrls('inventory', env),
    customerTokenTtlSeconds: num(env, 'CUSTOMER_TOKEN_TTL_SECONDS', 3600),
    reservationTtlSeconds: num(env, 'RESERVATION_TTL_SECONDS', 900),
    paymentTimeoutMs: num(env, 'PAYMENT_TIMEOUT_MS', 5000),
    callTimeoutMs: callTimeoutFromEnv(10_000, env),
    commitTriesPerRun: 2,
    maxCommitAttempts: num(env, 'SAGA_MAX_COMMIT_ATTEMPTS', 10),
    stuckAfterMs: num(env, 'SAGA_STUCK_AFTER_MS', 30_000),
    recoveryIntervalMs: num(env, 'SAGA_RECOVERY_INTERVAL_MS', 10_000),
    maxForwardAgeMs: num(env, 'SAGA_MAX_FORWARD_AGE_MS', 600_000),
    fault,
    instanceId: `${process.pid}-${randomBytes(4).toString('hex')}`,
  };
}
