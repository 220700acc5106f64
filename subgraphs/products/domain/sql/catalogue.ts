import { projection, sql } from '../../../kit/domain';
import { CategorySchema, ProductPriceChangeSchema, ProductSchema } from '../../entities';
import type { Category, PriceChange, Product } from '../types';

/**
 * The catalogue's statements (ADR 0022): named parameters, select lists from the entity schemas
 * (ADR 0003), compiled once when this module loads. A filter's unused criteria are null (or an
 * empty list) rather than missing from the text: node-postgres sends each statement unnamed, so
 * PostgreSQL plans it with the values bound and folds `null is null or ...` away, and the indexes a
 * category page or a keyset position needs are used as they were with text built per request.
 */

const PRODUCT = projection(ProductSchema, { alias: 'p' });
const CATEGORY = projection(CategorySchema, { alias: 'c' });
/** Read over the `ranked` subquery, which keeps the table's column names. */
const PRICE_CHANGE = projection(ProductPriceChangeSchema, { alias: 'ranked' });
/** A category's keys only: what the count rows need besides their aggregates. */
const CATEGORY_KEYS = projection(CategorySchema, { alias: 'c', omit: ['name', 'slug', 'position', 'createdAt'] });

/** A product filter as values: null (or no pattern) where the criterion is not used. */
export interface ProductFilterParams {
  /** This category or, for a root, any of its children. */
  categoryId: string | null;
  active: boolean | null;
  /** LIKE patterns (`%term%`, already escaped): every one must match the name or the SKU. */
  patterns: string[];
  minPriceCents: number | null;
  maxPriceCents: number | null;
}

// A root category lists its children's products too (two-level tree). Each pattern must match the
// name or the SKU (the NOT EXISTS); lower() on both sides so the database's own case folding decides.
// The first pattern is also tested on its own: the trigram GIN indexes on lower(name) and lower(sku)
// serve a LIKE with a value but not one with an array element, and with the values bound that line
// folds into such a LIKE (or into nothing without patterns). It is implied by the NOT EXISTS, so it
// changes no result.
const PRODUCT_FILTER = `
  (:categoryId::text is null
    or p.category_id in (select k.id from categories k where k.id = :categoryId::text or k.parent_id = :categoryId::text))
  and (:active::boolean is null or p.active = :active::boolean)
  and (:minPriceCents::integer is null or p.price_cents >= :minPriceCents::integer)
  and (:maxPriceCents::integer is null or p.price_cents <= :maxPriceCents::integer)
  and (cardinality(:patterns::text[]) = 0
    or lower(p.name) like lower((:patterns::text[])[1]) or lower(p.sku) like lower((:patterns::text[])[1]))
  and not exists (
    select 1 from unnest(:patterns::text[]) as t(pattern)
     where not (lower(p.name) like lower(t.pattern) or lower(p.sku) like lower(t.pattern)))`;

/**
 * Up to `limit` products after the keyset position (name, id), in that order. The row comparison
 * matches ORDER BY name, id exactly, so a product inserted anywhere never shifts or repeats what
 * comes after a cursor.
 */
export const PRODUCT_PAGE = sql<
  ProductFilterParams & { afterName: string | null; afterId: string | null; limit: number },
  Product
>(
  `select ${PRODUCT.columns} from products p
    where ${PRODUCT_FILTER}
      and (:afterName::text is null or (p.name, p.id) > (:afterName::text, :afterId::text))
    order by p.name, p.id
    limit :limit`,
  { row: PRODUCT },
);

export const PRODUCT_COUNT = sql<ProductFilterParams, { count: number }>(
  `select count(*)::int as count from products p where ${PRODUCT_FILTER}`,
);

/** Products by id, any order, unknown ids absent. */
export const PRODUCTS_BY_IDS = sql<{ ids: readonly string[] }, Product>(
  `select ${PRODUCT.columns} from products p where p.id = any(:ids::text[])`,
  { row: PRODUCT },
);

export const PRODUCT_BY_SKU = sql<{ sku: string }, Product>(
  `select ${PRODUCT.columns} from products p where p.sku = :sku`,
  { row: PRODUCT },
);

/**
 * Products matching the filter, ranked: exact SKU, then names starting with the text (`prefix`, an
 * escaped `text%`), then trigram similarity of the name to the whole text, then name.
 */
export const SEARCH_PRODUCTS = sql<ProductFilterParams & { text: string; prefix: string; limit: number }, Product>(
  `select ${PRODUCT.columns} from products p
    where ${PRODUCT_FILTER}
    order by lower(p.sku) = lower(:text) desc,
      lower(p.name) like lower(:prefix) desc,
      similarity(lower(p.name), lower(:text)) desc,
      p.name, p.id
    limit :limit`,
  { row: PRODUCT },
);

/** The whole tree, ordered for display: by position, then name. */
export const ALL_CATEGORIES = sql<Record<string, never>, Category>(
  `select ${CATEGORY.columns} from categories c order by c.position, c.name, c.id`,
  { row: CATEGORY },
);

/** Categories by id plus their parents (the loader primes the parents). */
export const CATEGORIES_WITH_PARENTS = sql<{ ids: readonly string[] }, Category>(
  `select ${CATEGORY.columns} from categories c
    where c.id = any(:ids::text[])
       or c.id in (select k.parent_id from categories k where k.id = any(:ids::text[]) and k.parent_id is not null)`,
  { row: CATEGORY },
);

export const CHILD_CATEGORIES = sql<{ parentIds: readonly string[] }, Category>(
  `select ${CATEGORY.columns} from categories c
    where c.parent_id = any(:parentIds::text[])
    order by c.position, c.name, c.id`,
  { row: CATEGORY },
);

/** A category with its direct product count and leaf-ness. */
export interface CategoryCountRow {
  id: string;
  parentId: string | null;
  /** Products filed directly in this category. */
  direct: number;
  hasChildren: boolean;
}

/** The given categories and their children, each with its direct product count. */
export const CATEGORY_COUNTS = sql<{ ids: readonly string[] }, CategoryCountRow>(
  `select ${CATEGORY_KEYS.columns},
      (select count(*) from products p where p.category_id = c.id)::int as direct,
      exists (select 1 from categories g where g.parent_id = c.id) as "hasChildren"
    from categories c
   where c.id = any(:ids::text[]) or c.parent_id = any(:ids::text[])`,
);

/** The latest `first` price changes of each product, most recent first. */
export const LATEST_PRICE_CHANGES = sql<{ productIds: readonly string[]; first: number }, PriceChange>(
  `select ${PRICE_CHANGE.columns} from (
     select h.*, row_number() over (partition by h.product_id order by h.changed_at desc, h.id desc) as rank
       from product_price_changes h where h.product_id = any(:productIds::text[])
   ) ranked
   where ranked.rank <= :first
   order by ranked.product_id, ranked.rank`,
  { row: PRICE_CHANGE },
);
