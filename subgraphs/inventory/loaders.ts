import type DataLoader from 'dataloader';
import { groupedLoader, keyedLoader, type LoaderDeps } from '../kit';
import {
  levelsOfProducts,
  locationsByIds,
  totalsOfProducts,
  type StockTotalsRow,
  storeLevelCounts,
  storePages,
  type StorePageKey,
  type StorePageRow,
} from './domain/stock';
import type { LevelView, LocationView } from './domain/views';

export interface Loaders {
  /** All levels of a product (with their locations); one statement per batch of products. */
  levelsByProduct: DataLoader<string, LevelView[]>;
  /** onHand/reserved summed over a product's locations; one statement per batch of products. */
  totalsByProduct: DataLoader<string, StockTotalsRow | null>;
  locationById: DataLoader<string, LocationView | null>;
  /** One page of a store's levels; pages of many stores with the same arguments share a statement. */
  storePage: DataLoader<string, { key: string; rows: StorePageRow[] } | null>;
  /** Number of levels of a store (key: storeId + lowOnly); one statement per batch. */
  storeCount: DataLoader<string, { key: string; count: number } | null>;
}

export function storePageKey(key: StorePageKey): string {
  return JSON.stringify([key.storeId, key.limit, key.afterProductId, key.lowOnly]);
}

export function storeCountKey(storeId: string, lowOnly: boolean): string {
  return JSON.stringify([storeId, lowOnly]);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function createLoaders({ em, metrics }: LoaderDeps): Loaders {
  return {
    levelsByProduct: groupedLoader(
      'inventory.levelsByProduct',
      metrics,
      (ids) => levelsOfProducts(em, ids),
      (row) => row.productId,
    ),
    totalsByProduct: keyedLoader(
      'inventory.totalsByProduct',
      metrics,
      (ids) => totalsOfProducts(em, ids),
      (row) => row.productId,
    ),
    locationById: keyedLoader(
      'inventory.locationById',
      metrics,
      (ids) => locationsByIds(em, ids),
      (row) => row.id,
    ),
    storePage: keyedLoader(
      'inventory.storePage',
      metrics,
      async (keys) => {
        const parsed = keys.map((k) => {
          const [storeId, limit, afterProductId, lowOnly] = JSON.parse(k) as [string, number, string | null, boolean];
          return { key: k, storeId, limit, afterProductId, lowOnly };
        });
        const results: { key: string; rows: StorePageRow[] }[] = [];
        // Stores listed in one query usually share their page arguments: one statement per group.
        for (const group of groupBy(parsed, (p) => JSON.stringify([p.limit, p.afterProductId, p.lowOnly])).values()) {
          const head = group[0]!;
          const rows = await storePages(
            em,
            group.map((p) => p.storeId),
            { limit: head.limit, afterProductId: head.afterProductId, lowOnly: head.lowOnly },
          );
          const byStore = groupBy(rows, (r) => r.storeId);
          for (const p of group) results.push({ key: p.key, rows: byStore.get(p.storeId) ?? [] });
        }
        return results;
      },
      (row) => row.key,
    ),
    storeCount: keyedLoader(
      'inventory.storeCount',
      metrics,
      async (keys) => {
        const parsed = keys.map((k) => {
          const [storeId, lowOnly] = JSON.parse(k) as [string, boolean];
          return { key: k, storeId, lowOnly };
        });
        const results: { key: string; count: number }[] = [];
        for (const group of groupBy(parsed, (p) => String(p.lowOnly)).values()) {
          const counts = await storeLevelCounts(
            em,
            group.map((p) => p.storeId),
            group[0]!.lowOnly,
          );
          const byStore = new Map(counts.map((c) => [c.storeId, c.count]));
          for (const p of group) results.push({ key: p.key, count: byStore.get(p.storeId) ?? 0 });
        }
        return results;
      },
      (row) => row.key,
    ),
  };
}
