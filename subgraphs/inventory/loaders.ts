import type DataLoader from 'dataloader';
import { groupedLoader, keyedLoader, leanReads, type DbContext, type LoaderDeps } from '../kit';
import { productLoader, type ProductSource } from '../kit/clients';
import type { ProductInfo } from '../kit/domain';
import type { Location, ReplenishmentEvent, ReplenishmentLine, ReplenishmentRequest } from './domain/types';
import { dashboardStock, type DashboardStock } from './domain/dashboard';
import { historyOfRequests, linesOfRequests, requestsByIds } from './domain/replenishment';
import type { LevelWithLocation, ProductTotals } from './domain/levels';
import {
  levelsOfProducts,
  locationsByIds,
  storeLevelCounts,
  storePages,
  totalsOfProducts,
  type StorePageArgs,
} from './domain/stock';

export interface Loaders {
  /** All levels of a product (with their locations); one statement per batch of products. */
  levelsByProduct: DataLoader<string, LevelWithLocation[]>;
  /** onHand/reserved summed over a product's locations; one statement per batch of products. */
  totalsByProduct: DataLoader<string, ProductTotals | null>;
  locationById: DataLoader<string, Location | null>;
  /** One page of a store's levels; pages of many stores with the same arguments share a statement. */
  storePage: DataLoader<string, { key: string; rows: LevelWithLocation[] } | null>;
  /** Number of levels of a store (key: storeId + lowOnly); one statement per batch. */
  storeCount: DataLoader<string, { key: string; count: number } | null>;
  /** Products from the products subgraph (the writes' checks, ADR 0015): one `_entities` request per tick. */
  product: DataLoader<string, ProductInfo | null>;
  /** Replenishment requests by id (replenishmentRequest(id)): one statement per batch. */
  replenishmentById: DataLoader<string, ReplenishmentRequest | null>;
  /** The lines of replenishment requests (a page's, or a mutation's one): one statement per batch. */
  replenishmentLines: DataLoader<string, ReplenishmentLine[]>;
  /** The status histories of replenishment requests: one statement per batch. */
  replenishmentHistory: DataLoader<string, ReplenishmentEvent[]>;
  /** Inventory's figures of dashboards (key: "chain" or a store id): one statement per batch. */
  dashboardStock: DataLoader<string, DashboardStock | null>;
}

/** A DataLoader key of one store's page (DataLoader keys must compare as strings). */
export function storePageKey(key: StorePageArgs & { storeId: string }): string {
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

/** `products` is asked for on the first product batch, so building loaders reads no configuration. */
export function makeCreateLoaders(products: () => ProductSource) {
  return (deps: LoaderDeps): Loaders => new RequestLoaders(deps, products);
}

/**
 * A request's loaders, each made when the request first uses it (most requests use one or two of
 * them: a catalogue page's `_entities` only `totalsByProduct`). Every database batch is a lean read
 * on the kit's `reads`, so no unit of work is forked for them.
 */
class RequestLoaders implements Loaders {
  #levelsByProduct?: Loaders['levelsByProduct'];
  #totalsByProduct?: Loaders['totalsByProduct'];
  #locationById?: Loaders['locationById'];
  #storePage?: Loaders['storePage'];
  #storeCount?: Loaders['storeCount'];
  #product?: Loaders['product'];
  #replenishmentById?: Loaders['replenishmentById'];
  #replenishmentLines?: Loaders['replenishmentLines'];
  #replenishmentHistory?: Loaders['replenishmentHistory'];
  #dashboardStock?: Loaders['dashboardStock'];

  /** Where the batches run (the kit's `reads`). */
  private readonly reads: DbContext;

  constructor(
    private readonly deps: LoaderDeps,
    private readonly products: () => ProductSource,
  ) {
    this.reads = leanReads(deps);
  }

  get levelsByProduct() {
    const ctx = this.reads;
    return (this.#levelsByProduct ??= groupedLoader(
      'inventory.levelsByProduct',
      this.deps.metrics,
      (ids) => levelsOfProducts(ctx, ids),
      (row) => row.productId,
    ));
  }

  get totalsByProduct() {
    const ctx = this.reads;
    return (this.#totalsByProduct ??= keyedLoader(
      'inventory.totalsByProduct',
      this.deps.metrics,
      (ids) => totalsOfProducts(ctx, ids),
      (row) => row.productId,
    ));
  }

  get locationById() {
    const ctx = this.reads;
    return (this.#locationById ??= keyedLoader(
      'inventory.locationById',
      this.deps.metrics,
      (ids) => locationsByIds(ctx, ids),
      (row) => row.id,
    ));
  }

  get storePage() {
    const ctx = this.reads;
    return (this.#storePage ??= keyedLoader(
      'inventory.storePage',
      this.deps.metrics,
      async (keys) => {
        const parsed = keys.map((k) => {
          const [storeId, limit, afterProductId, lowOnly] = JSON.parse(k) as [string, number, string | null, boolean];
          return { key: k, storeId, limit, afterProductId, lowOnly };
        });
        const results: { key: string; rows: LevelWithLocation[] }[] = [];
        // Stores listed in one query usually share their page arguments: one statement per group.
        for (const group of groupBy(parsed, (p) => JSON.stringify([p.limit, p.afterProductId, p.lowOnly])).values()) {
          const head = group[0]!;
          const rows = await storePages(ctx, {
            storeIds: group.map((p) => p.storeId),
            limit: head.limit,
            afterProductId: head.afterProductId,
            lowOnly: head.lowOnly,
          });
          const byStore = groupBy(rows, (r) => r.location.storeId ?? '');
          for (const p of group) results.push({ key: p.key, rows: byStore.get(p.storeId) ?? [] });
        }
        return results;
      },
      (row) => row.key,
    ));
  }

  get storeCount() {
    const ctx = this.reads;
    return (this.#storeCount ??= keyedLoader(
      'inventory.storeCount',
      this.deps.metrics,
      async (keys) => {
        const parsed = keys.map((k) => {
          const [storeId, lowOnly] = JSON.parse(k) as [string, boolean];
          return { key: k, storeId, lowOnly };
        });
        const results: { key: string; count: number }[] = [];
        for (const group of groupBy(parsed, (p) => String(p.lowOnly)).values()) {
          const counts = await storeLevelCounts(ctx, {
            storeIds: group.map((p) => p.storeId),
            lowOnly: group[0]!.lowOnly,
          });
          const byStore = new Map(counts.map((c) => [c.storeId, c.count]));
          for (const p of group) results.push({ key: p.key, count: byStore.get(p.storeId) ?? 0 });
        }
        return results;
      },
      (row) => row.key,
    ));
  }

  get product() {
    return (this.#product ??= productLoader(this.products, this.deps.metrics));
  }

  get replenishmentById() {
    const ctx = this.reads;
    return (this.#replenishmentById ??= keyedLoader(
      'inventory.replenishmentById',
      this.deps.metrics,
      (ids) => requestsByIds(ctx, ids),
      (row) => row.id,
    ));
  }

  get replenishmentLines() {
    const ctx = this.reads;
    return (this.#replenishmentLines ??= groupedLoader(
      'inventory.replenishmentLines',
      this.deps.metrics,
      (ids) => linesOfRequests(ctx, ids),
      (row) => row.requestId,
    ));
  }

  get replenishmentHistory() {
    const ctx = this.reads;
    return (this.#replenishmentHistory ??= groupedLoader(
      'inventory.replenishmentHistory',
      this.deps.metrics,
      (ids) => historyOfRequests(ctx, ids),
      (row) => row.requestId,
    ));
  }

  get dashboardStock() {
    const ctx = this.reads;
    return (this.#dashboardStock ??= keyedLoader(
      'inventory.dashboardStock',
      this.deps.metrics,
      (keys) => dashboardStock(ctx, keys),
      (row) => row.id,
    ));
  }
}
