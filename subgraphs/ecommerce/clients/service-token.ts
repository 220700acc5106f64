import { serviceToken } from '../../kit';

const LIFETIME_SECONDS = 300;
let cached: { token: string; renewAt: number } | null = null;

/** ecommerce's SERVICE token for direct subgraph calls, re-signed well before it expires. */
export function ecommerceServiceToken(): string {
  const now = Date.now();
  if (!cached || now >= cached.renewAt) {
    cached = { token: serviceToken('ecommerce', LIFETIME_SECONDS), renewAt: now + (LIFETIME_SECONDS / 2) * 1000 };
  }
  return cached.token;
}
