import { serviceToken } from '../auth';
import type { ServiceName } from '../env';

const LIFETIME_SECONDS = 300;
const cached = new Map<ServiceName, { token: string; renewAt: number }>();

/**
 * The SERVICE token a subgraph presents when it calls another one directly, re-signed well before it
 * expires (one signature per few minutes, not per call).
 */
export function cachedServiceToken(caller: ServiceName): string {
  const now = Date.now();
  let entry = cached.get(caller);
  if (!entry || now >= entry.renewAt) {
    entry = { token: serviceToken(caller, LIFETIME_SECONDS), renewAt: now + (LIFETIME_SECONDS / 2) * 1000 };
    cached.set(caller, entry);
  }
  return entry.token;
}
