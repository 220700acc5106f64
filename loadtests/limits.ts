/**
 * The abusive-request scenario of `npm run bench` (issue: hardening): while a few clients send the
 * 200-alias request of 100-product pages as fast as they can, an ordinary CatalogPage (first: 20)
 * arrives at a steady rate. Run against our router (which refuses the heavy request at its limits)
 * and, for comparison, against the stock gateway (which executes it).
 */
import autocannon from 'autocannon';
import { operation } from '../schema/operations';
import { pacedLoad } from './paced';
import { percentile, round } from './util';

export const HEAVY_QUERY = `{ ${Array.from(
  { length: 200 },
  (_, i) => `a${i}: products(first: 100) { edges { node { id name stock { available } } } }`,
).join(' ')} }`;

export interface LimitsResult {
  target: string;
  heavy: { requests: number; rps: number; p50: number; p95: number; status: Record<string, number> };
  catalog: { requests: number; p50: number; p95: number; p99: number; errors: number };
}

export async function runLimitsScenario(opts: {
  target: string;
  url: string;
  durationS: number;
  /** Concurrent clients sending the heavy request back to back. */
  attackers: number;
  /** CatalogPage arrivals per second during the attack. */
  rate: number;
}): Promise<LimitsResult> {
  const heavyLatencies: number[] = [];
  const status: Record<string, number> = {};
  const attack = new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: HEAVY_QUERY }),
        connections: opts.attackers,
        duration: opts.durationS,
        timeout: 30,
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    instance.on('response', (_client, code, _bytes, ms) => {
      heavyLatencies.push(ms);
      status[String(code)] = (status[String(code)] ?? 0) + 1;
    });
  });
  const catalog = await pacedLoad({
    url: opts.url,
    body: JSON.stringify({ query: operation('CatalogPage'), variables: { first: 20 }, operationName: 'CatalogPage' }),
    rate: opts.rate,
    durationS: opts.durationS,
    verifyBody: (text) => text.includes('"edges"') && !text.includes('"errors"'),
  });
  const heavy = await attack;
  heavyLatencies.sort((a, b) => a - b);
  catalog.latencies.sort((a, b) => a - b);
  return {
    target: opts.target,
    heavy: {
      requests: heavyLatencies.length,
      rps: round(heavy.requests.average, 1),
      p50: round(percentile(heavyLatencies, 0.5), 2),
      p95: round(percentile(heavyLatencies, 0.95), 2),
      status,
    },
    catalog: {
      requests: catalog.latencies.length,
      p50: round(percentile(catalog.latencies, 0.5), 2),
      p95: round(percentile(catalog.latencies, 0.95), 2),
      p99: round(percentile(catalog.latencies, 0.99), 2),
      errors: catalog.non2xx + catalog.socketErrors + catalog.badBody,
    },
  };
}
