import type DataLoader from 'dataloader';
import { groupedLoader, keyedLoader, type LoaderDeps } from '../kit';
import type { ProductInfo, ProductsClient } from './clients/products';
import {
  addressesByCustomers,
  cartLinesByCarts,
  customersByIds,
  historyByOrders,
  orderLinesByOrders,
  ordersByIds,
  type AddressView,
  type CartLineView,
  type CustomerView,
  type OrderLineView,
  type OrderView,
  type StatusChangeView,
} from './domain/rows';

/** Request-scoped loaders: one SQL statement (or one HTTP call for products) per kind per tick. */
export interface EcommerceLoaders {
  customer: DataLoader<string, CustomerView | null>;
  addresses: DataLoader<string, AddressView[]>;
  cartLines: DataLoader<string, CartLineView[]>;
  order: DataLoader<string, OrderView | null>;
  orderLines: DataLoader<string, OrderLineView[]>;
  history: DataLoader<string, StatusChangeView[]>;
  /** Products from the products subgraph: every id asked for in one tick becomes ONE `_entities` request. */
  product: DataLoader<string, ProductInfo | null>;
}

export function makeCreateLoaders(products: () => ProductsClient) {
  return ({ em, metrics }: LoaderDeps): EcommerceLoaders => ({
    customer: keyedLoader(
      'customer',
      metrics,
      (ids) => customersByIds(em, ids),
      (c) => c.id,
    ),
    addresses: groupedLoader(
      'addresses',
      metrics,
      (ids) => addressesByCustomers(em, ids),
      (a) => a.customerId,
    ),
    cartLines: groupedLoader(
      'cartLines',
      metrics,
      (ids) => cartLinesByCarts(em, ids),
      (l) => l.cartId,
    ),
    order: keyedLoader(
      'order',
      metrics,
      (ids) => ordersByIds(em, ids),
      (o) => o.id,
    ),
    orderLines: groupedLoader(
      'orderLines',
      metrics,
      (ids) => orderLinesByOrders(em, ids),
      (l) => l.orderId,
    ),
    history: groupedLoader(
      'orderHistory',
      metrics,
      (ids) => historyByOrders(em, ids),
      (h) => h.orderId,
    ),
    product: keyedLoader(
      'product',
      metrics,
      async (ids) => (await products().fetchMany(ids)).filter((p): p is ProductInfo => p !== null),
      (p) => p.id,
    ),
  });
}
