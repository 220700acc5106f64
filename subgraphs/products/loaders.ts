import type DataLoader from 'dataloader';
import { groupedLoader, keyedLoader, leanReads, type DbContext, type LoaderDeps } from '../kit';
import {
  categoriesWithParents,
  categoryCounts,
  familiesFromCounts,
  childCategories,
  latestPriceChanges,
  productsByIds,
  type CategoryFamily,
} from './domain/catalogue';
import type { Category, PriceChange, Product } from './domain/types';

export interface ProductLoaders {
  /**
   * Where lean reads run (the kit's `reads`, shared by the process and holding nothing, so no unit of
   * work is forked for them): the loaders' batches and the resolvers' catalogue reads (pages, counts,
   * search, the category tree).
   */
  reads: DbContext;
  /** Products by id: `_entities`, `product(id)`; one statement per batch. */
  productById: DataLoader<string, Product | null>;
  /** Categories by id (their parents are primed too): `Product.category`, `Category.parent`. */
  categoryById: DataLoader<string, Category | null>;
  /** Children of a category, by position. */
  childrenOf: DataLoader<string, Category[]>;
  /** Product counts of a category and its children (see productCountOf); null when unknown. */
  categoryFamily: DataLoader<string, CategoryFamily | null>;
  /** Latest price changes per product; one loader per `first` value used in the request. */
  priceHistory: (first: number) => DataLoader<string, PriceChange[]>;
}

/** Request-scoped: a fresh set per request, so no caller ever sees another's cached rows. */
export function createLoaders(deps: LoaderDeps): ProductLoaders {
  const { metrics } = deps;
  const ctx = leanReads(deps);
  const productById = keyedLoader<string, Product>(
    'productById',
    metrics,
    (ids) => productsByIds(ctx, ids),
    (p) => p.id,
  );

  const categoryById: DataLoader<string, Category | null> = keyedLoader<string, Category>(
    'categoryById',
    metrics,
    async (ids) => {
      const rows = await categoriesWithParents(ctx, ids);
      const asked = new Set(ids);
      for (const row of rows) if (!asked.has(row.id)) categoryById.prime(row.id, row);
      return rows;
    },
    (c) => c.id,
  );

  const childrenOf = groupedLoader<string, Category>(
    'categoryChildren',
    metrics,
    (ids) => childCategories(ctx, ids),
    (c) => c.parentId ?? '',
  );

  const categoryFamily = keyedLoader<string, CategoryFamily>(
    'categoryFamily',
    metrics,
    async (ids) => familiesFromCounts(ids, await categoryCounts(ctx, ids)),
    (f) => f.id,
  );

  const historyLoaders = new Map<number, DataLoader<string, PriceChange[]>>();
  const priceHistory = (first: number) => {
    let loader = historyLoaders.get(first);
    if (!loader) {
      loader = groupedLoader<string, PriceChange>(
        'priceHistory',
        metrics,
        (productIds) => latestPriceChanges(ctx, { productIds, first }),
        (h) => h.productId,
      );
      historyLoaders.set(first, loader);
    }
    return loader;
  };

  return { reads: ctx, productById, categoryById, childrenOf, categoryFamily, priceHistory };
}

/** The whole tree was read in one statement: answer parent/children lookups from it. */
export function primeCategoryTree(loaders: ProductLoaders, all: readonly Category[]): void {
  const children = new Map<string, Category[]>();
  for (const c of all) {
    loaders.categoryById.prime(c.id, c);
    if (c.parentId !== null) {
      const list = children.get(c.parentId);
      if (list) list.push(c);
      else children.set(c.parentId, [c]);
    }
  }
  for (const c of all) loaders.childrenOf.prime(c.id, children.get(c.id) ?? []);
}
