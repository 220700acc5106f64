import type DataLoader from 'dataloader';
import { groupedLoader, keyedLoader, type LoaderDeps } from '../kit';
import { productLoader, type ProductSource } from '../kit/clients';
import type { ProductInfo } from '../kit/domain';
import {
  addressesByCustomers,
  cartLinesByCarts,
  customersByIds,
  historyByOrders,
  orderLinesByOrders,
  ordersByIds,
} from './domain/reads';
import type { Address, CartLine, CustomerProfile, Order, OrderLine, OrderStatusChange } from './domain/types';

/** Request-scoped loaders: one SQL statement (or one HTTP call for products) per kind per tick. */
export interface EcommerceLoaders {
  customer: DataLoader<string, CustomerProfile | null>;
  addresses: DataLoader<string, Address[]>;
  cartLines: DataLoader<string, CartLine[]>;
  order: DataLoader<string, Order | null>;
  orderLines: DataLoader<string, OrderLine[]>;
  history: DataLoader<string, OrderStatusChange[]>;
  /** Products from the products subgraph: every id asked for in one tick becomes ONE `_entities` request. */
  product: DataLoader<string, ProductInfo | null>;
}

/** `products` is asked for on the first product batch, so building loaders reads no configuration. */
export function makeCreateLoaders(products: () => ProductSource) {
  return (deps: LoaderDeps): EcommerceLoaders => ({
    customer: keyedLoader(
      'customer',
      deps.metrics,
      (ids) => customersByIds(deps, ids),
      (c) => c.id,
    ),
    addresses: groupedLoader(
      'addresses',
      deps.metrics,
      (ids) => addressesByCustomers(deps, ids),
      (a) => a.customerId,
    ),
    cartLines: groupedLoader(
      'cartLines',
      deps.metrics,
      (ids) => cartLinesByCarts(deps, ids),
      (l) => l.cartId,
    ),
    order: keyedLoader(
      'order',
      deps.metrics,
      (ids) => ordersByIds(deps, ids),
      (o) => o.id,
    ),
    orderLines: groupedLoader(
      'orderLines',
      deps.metrics,
      (ids) => orderLinesByOrders(deps, ids),
      (l) => l.orderId,
    ),
    history: groupedLoader(
      'orderHistory',
      deps.metrics,
      (ids) => historyByOrders(deps, ids),
      (h) => h.orderId,
    ),
    product: productLoader(products, deps.metrics),
  });
}
