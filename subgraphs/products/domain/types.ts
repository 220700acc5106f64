/**
 * The catalogue's rows, one shape per table (ADR 0003): entities.ts builds each table's
 * EntitySchema on the interface here, lean reads select every column into it, and the GraphQL
 * resolvers receive it as their parent (codegen mappers in subgraphs/codegen-mappers.ts).
 */

/** A row of `categories`: a node of the two-level tree. */
export interface Category {
  id: string;
  name: string;
  /** Unique. */
  slug: string;
  /** Null for a root category. */
  parentId: string | null;
  /** Sort position among its siblings. */
  position: number;
  createdAt: Date;
}

/** A row of `products`. */
export interface Product {
  id: string;
  /** Unique, stored upper case. */
  sku: string;
  name: string;
  description: string;
  /** Selling price in minor units of `currency`. */
  priceCents: number;
  /** ISO 4217 code. */
  currency: string;
  active: boolean;
  categoryId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A row of `product_price_changes`: one change of a product's price, appended, never updated. */
export interface PriceChange {
  /** bigint identity, carried as a decimal string so that no precision is lost. */
  id: string;
  productId: string;
  oldPriceCents: number;
  newPriceCents: number;
  currency: string;
  reason: string | null;
  /** Who changed it (identity sub); kept for audit, not exposed through the API. */
  changedBy: string | null;
  changedAt: Date;
}

/** Criteria of a product list, already validated and converted to minor units (not a row). */
export interface ProductFilter {
  categoryId: string | null;
  active: boolean | null;
  /** Words that must each appear in the name or SKU (case-insensitive). */
  terms: string[];
  minPriceCents: number | null;
  maxPriceCents: number | null;
}
