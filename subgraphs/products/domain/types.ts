/** Plain catalogue objects, as read by lean SQL and returned by the domain; no ORM state. */

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  active: boolean;
  categoryId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Category {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
  position: number;
}

export interface PriceChange {
  id: string;
  productId: string;
  oldPriceCents: number;
  newPriceCents: number;
  currency: string;
  reason: string | null;
  changedAt: Date;
}

/** Criteria of a product list, already validated and converted to minor units. */
export interface ProductFilter {
  categoryId: string | null;
  active: boolean | null;
  /** Words that must each appear in the name or SKU (case-insensitive). */
  terms: string[];
  minPriceCents: number | null;
  maxPriceCents: number | null;
}

export const NO_FILTER: ProductFilter = {
  categoryId: null,
  active: null,
  terms: [],
  minPriceCents: null,
  maxPriceCents: null,
};
