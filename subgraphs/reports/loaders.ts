import type DataLoader from 'dataloader';
import { keyedLoader, type DbContext, type LoaderDeps } from '../kit';
import { productsFigures, storesFigures } from './domain/queries';
import { reportsByIds } from './domain/saved-reports';
import type { Period, ProductFigures, SavedReport, Scope, StoreFigures } from './domain/types';

export interface ReportsLoaders {
  /** Saved reports by id: `report(id)`. */
  report: DataLoader<string, SavedReport | null>;
  /** Store.performance of every store of a response for one period: one statement per period. */
  storeFigures: (period: Period) => DataLoader<string, StoreFigures | null>;
  /** Product.salesStats of every product of a response for one period and scope: one statement each. */
  productFigures: (period: Period, scope: Scope) => DataLoader<string, ProductFigures | null>;
}

/** One loader per distinct argument set (a period, a period and a scope), made on first use. */
function perArguments<A extends unknown[], L>(keyOf: (...a: A) => string, make: (...a: A) => L): (...a: A) => L {
  const made = new Map<string, L>();
  return (...a) => {
    const key = keyOf(...a);
    let l = made.get(key);
    if (!l) {
      l = make(...a);
      made.set(key, l);
    }
    return l;
  };
}

/** Request-scoped: a fresh set per request, so no caller ever sees another's cached rows. */
export function createLoaders({ em, metrics }: LoaderDeps): ReportsLoaders {
  const ctx: DbContext = { em };
  return {
    report: keyedLoader<string, SavedReport>(
      'savedReport',
      metrics,
      (ids) => reportsByIds(ctx, ids),
      (r) => r.id,
    ),
    storeFigures: perArguments(
      (period: Period) => JSON.stringify(period),
      (period: Period) =>
        keyedLoader<string, StoreFigures>(
          'storePerformance',
          metrics,
          (storeIds) => storesFigures(ctx, { period, storeIds }),
          (f) => f.storeId,
        ),
    ),
    productFigures: perArguments(
      (period: Period, scope: Scope) => JSON.stringify([period, scope]),
      (period: Period, scope: Scope) =>
        keyedLoader<string, ProductFigures>(
          'productSalesStats',
          metrics,
          (productIds) => productsFigures(ctx, { period, scope, productIds }),
          (f) => f.productId,
        ),
    ),
  };
}
