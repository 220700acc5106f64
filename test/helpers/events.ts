/**
 * Waiting for the event pipeline in e2e tests: the producers' outbox rows all published by their
 * relays, then reports' consumer group with nothing unread or unacknowledged.
 */
import type { Redis } from 'ioredis';
import { sqlRows } from '../subgraphs/ecommerce/helpers';
import { drained } from '../subgraphs/reports/helpers';
import { waitFor } from './toolkit';

/**
 * Settings for a stack whose tests follow events end to end: no till history (today's figures are
 * the test's own), reports reading and relays polling often, the report job only when nudged.
 */
export const PIPELINE_STACK_ENV: Readonly<Record<string, string>> = {
  RETAIL_SEED_HISTORY_DAYS: '0',
  REPORTS_BLOCK_MS: '100',
  REPORTS_JOB_INTERVAL_MS: '0',
  OUTBOX_POLL_MS: '50',
};

/** Outbox rows not yet published, summed over the producers' databases. */
export async function unpublished(dbUrls: readonly string[]): Promise<number> {
  let n = 0;
  for (const url of dbUrls) {
    const [row] = await sqlRows<{ n: number }>(url, 'select count(*)::int as n from outbox where published_at is null');
    n += row?.n ?? 0;
  }
  return n;
}

/** Every outbox row of these databases published, then the group `reports` drained on every stream. */
export async function eventsSettled(
  dbUrls: readonly string[],
  redis: Redis,
  prefix: string,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor('every outbox row published', async () => (await unpublished(dbUrls)) === 0, timeoutMs);
  await drained(redis, prefix, 'reports', timeoutMs);
}
