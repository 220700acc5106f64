import type DataLoader from 'dataloader';
import { groupedLoader, keyedLoader, type LoaderDeps } from '../kit';
import { productLoader, type ProductSource } from '../kit/clients';
import type { ProductInfo } from '../kit/domain';
import {
  employeesByIds,
  openSessionsByRegisters,
  registersByIds,
  registersByStores,
  returnLinesByReturns,
  returnsBySales,
  saleLinesByIds,
  saleLinesBySales,
  salesByIds,
  sessionsByIds,
  sessionTotals,
  storesByIds,
} from './domain/reads';
import type {
  CashRegister,
  EmployeeProfile,
  RegisterSession,
  ReturnLine,
  Sale,
  SaleLine,
  SaleReturn,
  SessionTotals,
  StoreView,
} from './domain/types';

/** Request-scoped loaders: one SQL statement (or one HTTP call for products) per kind per tick. */
export interface RetailLoaders {
  store: DataLoader<string, StoreView | null>;
  register: DataLoader<string, CashRegister | null>;
  storeRegisters: DataLoader<string, CashRegister[]>;
  employee: DataLoader<string, EmployeeProfile | null>;
  session: DataLoader<string, RegisterSession | null>;
  /** The open session of a register (null when closed). */
  openSession: DataLoader<string, RegisterSession | null>;
  /** Cash figures of open sessions, computed now. */
  sessionTotals: DataLoader<string, (SessionTotals & { sessionId: string }) | null>;
  sale: DataLoader<string, Sale | null>;
  saleLines: DataLoader<string, SaleLine[]>;
  saleLine: DataLoader<string, SaleLine | null>;
  saleReturns: DataLoader<string, SaleReturn[]>;
  returnLines: DataLoader<string, ReturnLine[]>;
  /** Products from the products subgraph: every id asked for in one tick becomes ONE `_entities` request. */
  product: DataLoader<string, ProductInfo | null>;
}

/** `products` is asked for on the first product batch, so building loaders reads no configuration. */
export function makeCreateLoaders(products: () => ProductSource) {
  return (deps: LoaderDeps): RetailLoaders => {
    const { metrics } = deps;
    return {
      store: keyedLoader(
        'store',
        metrics,
        (ids) => storesByIds(deps, ids),
        (s) => s.id,
      ),
      register: keyedLoader(
        'register',
        metrics,
        (ids) => registersByIds(deps, ids),
        (r) => r.id,
      ),
      storeRegisters: groupedLoader(
        'storeRegisters',
        metrics,
        (ids) => registersByStores(deps, ids),
        (r) => r.storeId,
      ),
      employee: keyedLoader(
        'employee',
        metrics,
        (ids) => employeesByIds(deps, ids),
        (e) => e.id,
      ),
      session: keyedLoader(
        'session',
        metrics,
        (ids) => sessionsByIds(deps, ids),
        (s) => s.id,
      ),
      openSession: keyedLoader(
        'openSession',
        metrics,
        (ids) => openSessionsByRegisters(deps, ids),
        (s) => s.registerId,
      ),
      sessionTotals: keyedLoader(
        'sessionTotals',
        metrics,
        (ids) => sessionTotals(deps, ids),
        (t) => t.sessionId,
      ),
      sale: keyedLoader(
        'sale',
        metrics,
        (ids) => salesByIds(deps, ids),
        (s) => s.id,
      ),
      saleLines: groupedLoader(
        'saleLines',
        metrics,
        (ids) => saleLinesBySales(deps, ids),
        (l) => l.saleId,
      ),
      saleLine: keyedLoader(
        'saleLine',
        metrics,
        (ids) => saleLinesByIds(deps, ids),
        (l) => l.id,
      ),
      saleReturns: groupedLoader(
        'saleReturns',
        metrics,
        (ids) => returnsBySales(deps, ids),
        (r) => r.saleId,
      ),
      returnLines: groupedLoader(
        'returnLines',
        metrics,
        (ids) => returnLinesByReturns(deps, ids),
        (l) => l.returnId,
      ),
      product: productLoader(products, metrics),
    };
  };
}
