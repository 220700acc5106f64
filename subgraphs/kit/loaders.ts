import DataLoader from 'dataloader';
import type { Metrics } from './metrics';

/**
 * A request-scoped DataLoader whose batch size is recorded. `batch` may return rows in any order
 * and with gaps; results are matched back to keys here so every loader returns in key order.
 */
export function keyedLoader<K extends string | number, V>(
  name: string,
  metrics: Metrics,
  batch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(
    async (keys) => {
      metrics.loaderBatchSize.observe({ loader: name }, keys.length);
      const rows = await batch(keys);
      const byKey = new Map<K, V>();
      for (const row of rows) byKey.set(keyOf(row), row);
      return keys.map((k) => byKey.get(k) ?? null);
    },
    { maxBatchSize: 500 },
  );
}

/** Like keyedLoader but each key maps to a list (one-to-many), empty when nothing matches. */
export function groupedLoader<K extends string | number, V>(
  name: string,
  metrics: Metrics,
  batch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(
    async (keys) => {
      metrics.loaderBatchSize.observe({ loader: name }, keys.length);
      const rows = await batch(keys);
      const byKey = new Map<K, V[]>();
      for (const row of rows) {
        const k = keyOf(row);
        const list = byKey.get(k);
        if (list) list.push(row);
        else byKey.set(k, [row]);
      }
      return keys.map((k) => byKey.get(k) ?? []);
    },
    { maxBatchSize: 500 },
  );
}
