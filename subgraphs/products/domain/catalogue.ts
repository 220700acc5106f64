import { queryOne, queryRows, type DbContext } from '../../kit/domain';
import {
  ALL_CATEGORIES,
  CATEGORIES_WITH_PARENTS,
  CATEGORY_COUNTS,
  CHILD_CATEGORIES,
  LATEST_PRICE_CHANGES,
  PRODUCT_BY_SKU,
  PRODUCT_COUNT,
  PRODUCT_PAGE,
  PRODUCTS_BY_IDS,
  SEARCH_PRODUCTS,
  type CategoryCountRow,
  type ProductFilterParams,
} from './sql/catalogue';
import type { Category, PriceChange, Product, ProductFilter } from './types';
import { escapeLike, normalizeSku, searchTerms } from './validation';

export type { CategoryCountRow };

/**
 * Catalogue reads: the hot paths (catalogue pages, `_entities` batches, the category tree), so each
 * is one lean SQL statement (sql/catalogue.ts) whose select list comes from the entity schemas, into
 * the row types of types.ts: no ORM hydration or identity map for rows that are only serialised.
 */

/** The filter as the statements' values: each search term becomes a literal `%term%` pattern. */
function filterParams(filter: ProductFilter): ProductFilterParams {
  return {
    categoryId: filter.categoryId,
    active: filter.active,
    patterns: filter.terms.map((term) => `%${escapeLike(term)}%`),
    minPriceCents: filter.minPriceCents,
    maxPriceCents: filter.maxPriceCents,
  };
}

export interface ProductPageQuery {
  /** Rows to return; the query fetches one more to tell whether a next page exists. */
  first: number;
  /** Keyset position (name, id) of the last product already seen. */
  after: { name: string; id: string } | null;
  filter: ProductFilter;
}

/** Up to first+1 products after the keyset position, ordered by (name, id). */
export function listProducts({ em }: DbContext, q: ProductPageQuery): Promise<Product[]> {
  return queryRows(em, PRODUCT_PAGE, {
    ...filterParams(q.filter),
    afterName: q.after?.name ?? null,
    afterId: q.after?.id ?? null,
    limit: q.first + 1,
  });
}

export async function countProducts({ em }: DbContext, filter: ProductFilter): Promise<number> {
  const row = await queryOne(em, PRODUCT_COUNT, filterParams(filter));
  return row?.count ?? 0;
}

/** Products by id, any order, unknown ids absent (the loader puts them back in key order). */
export function productsByIds({ em }: DbContext, ids: readonly string[]): Promise<Product[]> {
  return queryRows(em, PRODUCTS_BY_IDS, { ids });
}

export function productBySku({ em }: DbContext, sku: string): Promise<Product | null> {
  return queryOne(em, PRODUCT_BY_SKU, { sku: normalizeSku(sku) });
}

export interface SearchQuery {
  /** Already trimmed, 1..100 characters. */
  text: string;
  first: number;
  includeInactive: boolean;
}

/**
 * Products containing every word of the text in their name or SKU. Ranked: exact SKU, then names
 * starting with the text, then trigram similarity of the name to the whole text, then name.
 */
export async function searchProducts({ em }: DbContext, q: SearchQuery): Promise<Product[]> {
  if (q.first === 0) return [];
  const filter = filterParams({
    categoryId: null,
    active: q.includeInactive ? null : true,
    terms: searchTerms(q.text),
    minPriceCents: null,
    maxPriceCents: null,
  });
  return queryRows(em, SEARCH_PRODUCTS, { ...filter, text: q.text, prefix: `${escapeLike(q.text)}%`, limit: q.first });
}

/** The whole tree (a few dozen rows), ordered for display: by position, then name. */
export function allCategories({ em }: DbContext): Promise<Category[]> {
  return queryRows(em, ALL_CATEGORIES, {});
}

/** The top level of the tree (categories without a parent), in the tree's order. */
export function topLevelCategories(all: readonly Category[]): Category[] {
  return all.filter((c) => c.parentId === null);
}

/**
 * Categories by id plus their parents, so that `category { parent { name } }` needs no second
 * round trip (the loader primes the parents).
 */
export function categoriesWithParents({ em }: DbContext, ids: readonly string[]): Promise<Category[]> {
  return queryRows(em, CATEGORIES_WITH_PARENTS, { ids });
}

export function childCategories({ em }: DbContext, parentIds: readonly string[]): Promise<Category[]> {
  return queryRows(em, CHILD_CATEGORIES, { parentIds });
}

/** Direct product counts of the given categories and of their children, in one statement. */
export function categoryCounts({ em }: DbContext, ids: readonly string[]): Promise<CategoryCountRow[]> {
  return queryRows(em, CATEGORY_COUNTS, { ids });
}

/** Direct product counts of a category (the head) and of its children. */
export interface CategoryFamily {
  id: string;
  /** Products in the head or in one of its children. */
  total: number;
  /** Direct count and leaf-ness of the head and of each child. */
  members: Map<string, { direct: number; hasChildren: boolean }>;
}

/** Groups categoryCounts rows into one family per requested id; unknown ids get no family. */
export function familiesFromCounts(ids: readonly string[], rows: readonly CategoryCountRow[]): CategoryFamily[] {
  const families = new Map<string, CategoryFamily>();
  const requested = new Set(ids);
  for (const row of rows) {
    if (requested.has(row.id)) families.set(row.id, { id: row.id, total: 0, members: new Map() });
  }
  for (const row of rows) {
    const member = { direct: row.direct, hasChildren: row.hasChildren };
    const own = families.get(row.id);
    if (own) {
      own.total += row.direct;
      own.members.set(row.id, member);
    }
    const parent = row.parentId === null ? undefined : families.get(row.parentId);
    if (parent) {
      parent.total += row.direct;
      parent.members.set(row.id, member);
    }
  }
  return [...families.values()];
}

/**
 * Products in a category or its children. A leaf's count is read from its parent's family, so a
 * tree page (roots and their children) needs a single batch: every key is a root.
 */
export async function productCountOf(
  category: Pick<Category, 'id' | 'parentId'>,
  familyOf: (id: string) => Promise<CategoryFamily | null>,
): Promise<number> {
  if (category.parentId !== null) {
    const own = (await familyOf(category.parentId))?.members.get(category.id);
    if (own && !own.hasChildren) return own.direct;
  }
  return (await familyOf(category.id))?.total ?? 0;
}

export interface PriceHistoryQuery {
  productIds: readonly string[];
  /** Changes per product, 0..100. */
  first: number;
}

/** The latest `first` price changes of each product, most recent first. */
export function latestPriceChanges({ em }: DbContext, q: PriceHistoryQuery): Promise<PriceChange[]> {
  return queryRows(em, LATEST_PRICE_CHANGES, { productIds: q.productIds, first: q.first });
}
