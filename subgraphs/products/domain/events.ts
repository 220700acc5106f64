import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvents, type NewEvent } from '../../kit/domain';
import type { PriceChange, Product } from './types';

/**
 * The catalogue's domain events (docs/events.md: product.created, product.updated,
 * product.price_changed), written with the kit's recordEvents in the transaction of the change they
 * report, after the product's row (so two changes of one product number their events in commit
 * order), and published by the relay to `<REDIS_PREFIX>events:products`. The router's cache drops
 * what they name; any reader can keep a copy of the catalogue from them. The union below is the
 * contract in types: a misspelt type, or a data field too many or too few, does not compile.
 *
 * Categories have no events: the API cannot change them (they come from migrations and the seed).
 */

/** The fields of a product every event carries as they are after the change (`sku` never changes). */
interface ProductKey {
  productId: string;
  sku: string;
}

/** product.created v1: a product was added to the catalogue (createProduct), with its row's values. */
export interface ProductCreatedData
  extends ProductKey, Pick<Product, 'name' | 'description' | 'priceCents' | 'currency' | 'active' | 'categoryId'> {}

/** What product.updated may list as changed (the data fields that hold the new values). */
export type ProductUpdatedField = 'name' | 'description' | 'categoryId' | 'active';

/**
 * product.updated v1: at least one of the product's descriptive fields, its category or its active
 * flag changed (updateProduct), with the values after the change.
 */
export interface ProductUpdatedData
  extends ProductKey, Pick<Product, 'name' | 'description' | 'active' | 'categoryId'> {
  /** The fields that changed, in this order: name, description, categoryId, active; never empty. */
  changed: ProductUpdatedField[];
  /** The category before the change (the same as categoryId when the category did not change). */
  previousCategoryId: string | null;
}

/** product.price_changed v1: the selling price changed (changeProductPrice), as recorded in its price history. */
export interface ProductPriceChangedData extends ProductKey {
  /** The price history entry (PriceChange.id as the API shows it). */
  priceChangeId: string;
  oldPriceCents: number;
  newPriceCents: number;
  currency: string;
  /** The reason given, trimmed; null when none was. */
  reason: string | null;
}

type Event<T extends string, D extends object> = NewEvent<T, D> & {
  version: 1;
  aggregate: { type: 'Product'; id: string };
};

export type ProductCreated = Event<'product.created', ProductCreatedData>;
export type ProductUpdated = Event<'product.updated', ProductUpdatedData>;
export type ProductPriceChanged = Event<'product.price_changed', ProductPriceChangedData>;

/** Every event the products subgraph emits: its type decides its data. */
export type ProductsEvent = ProductCreated | ProductUpdated | ProductPriceChanged;

/** The types and versions above as data (the contract test holds docs/events.md to it). */
export const PRODUCTS_EVENTS: { readonly [T in ProductsEvent['type']]: { version: 1 } } = {
  'product.created': { version: 1 },
  'product.updated': { version: 1 },
  'product.price_changed': { version: 1 },
};

function aggregate(product: Pick<Product, 'id'>) {
  return { type: 'Product' as const, id: product.id };
}

/** The product as createProduct wrote it; occurredAt is its createdAt. */
export function productCreated(product: Product): ProductCreated {
  return {
    type: 'product.created',
    version: 1,
    aggregate: aggregate(product),
    occurredAt: product.createdAt,
    data: {
      productId: product.id,
      sku: product.sku,
      name: product.name,
      description: product.description,
      priceCents: product.priceCents,
      currency: product.currency,
      active: product.active,
      categoryId: product.categoryId,
    },
  };
}

/** The descriptive fields whose values differ between `before` and `after`, in the event's order. */
export function changedFields(
  before: Pick<Product, ProductUpdatedField>,
  after: Pick<Product, ProductUpdatedField>,
): ProductUpdatedField[] {
  return (['name', 'description', 'categoryId', 'active'] as const).filter((f) => before[f] !== after[f]);
}

/**
 * The product as updateProduct left it (after the flush, so occurredAt is its new updatedAt); only
 * when changedFields finds a change: a change to the current values writes no event.
 */
export function productUpdated(product: Product, before: Pick<Product, ProductUpdatedField>): ProductUpdated {
  return {
    type: 'product.updated',
    version: 1,
    aggregate: aggregate(product),
    occurredAt: product.updatedAt,
    data: {
      productId: product.id,
      sku: product.sku,
      changed: changedFields(before, product),
      name: product.name,
      description: product.description,
      active: product.active,
      categoryId: product.categoryId,
      previousCategoryId: before.categoryId,
    },
  };
}

/** The price change changeProductPrice recorded (after the flush: its id is known); occurredAt is changedAt. */
export function productPriceChanged(product: Product, change: PriceChange): ProductPriceChanged {
  return {
    type: 'product.price_changed',
    version: 1,
    aggregate: aggregate(product),
    occurredAt: change.changedAt,
    data: {
      productId: product.id,
      sku: product.sku,
      priceChangeId: String(change.id),
      oldPriceCents: change.oldPriceCents,
      newPriceCents: change.newPriceCents,
      currency: change.currency,
      reason: change.reason,
    },
  };
}

/** Writes products' events in `tx`'s transaction (the kit refuses outside one). */
export function recordProductEvents(
  tx: EntityManager,
  correlationId: string | null,
  events: readonly ProductsEvent[],
): Promise<void> {
  return recordEvents(tx, correlationId, events);
}
