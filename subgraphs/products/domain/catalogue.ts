import { legacyQueryOne, legacyQueryRows, type DomainContext } from '../../kit/domain';
import type { Category, PriceChange, Product, ProductFilter } from './types';
import { escapeLike, normalizeSku, searchTerms } from './validation';

/**
 * Catalogue reads: the hot paths (catalogue pages, `_entities` batches, the category tree), so each
 * is one lean SQL statement whose columns are aliased straight into the row types of types.ts: no
 * per-row mapping, no ORM hydration or identity map for rows that are only serialised.
 */

/**
 * What a read needs of the request context: its unit of work. Any DomainContext is one; the
 * request-scoped DataLoaders, which the kit builds from the EntityManager alone, pass `{ em }`.
 */
export type ReadContext = Pick<DomainContext, 'em'>;

// Every column of the row, so that what a read returns is the table's one shape (types.ts).
const PRODUCT_COLUMNS = `p.id, p.sku, p.name, p.description, p.price_cents as "priceCents", p.currency,
  p.active, p.category_id as "categoryId", p.created_at as "createdAt", p.updated_at as "updatedAt"`;

const CATEGORY_COLUMNS = `c.id, c.name, c.slug, c.parent_id as "parentId", c.position, c.created_at as "createdAt"`;

/** Appends the filter's conditions (always true when empty) and their bindings. */
function filterConditions(filter: ProductFilter, params: unknown[]): string[] {
  const where: string[] = [];
  if (filter.categoryId !== null) {
    // A root category lists its children's products too (two-level tree).
    where.push('p.category_id in (select c.id from categories c where c.id = ? or c.parent_id = ?)');
    params.push(filter.categoryId, filter.categoryId);
  }
  if (filter.active !== null) {
    where.push('p.active = ?');
    params.push(filter.active);
  }
  for (const term of filter.terms) {
    // lower() on both sides so the database's own case folding decides; the trigram GIN indexes
    // on lower(name) and lower(sku) serve these LIKEs.
    where.push('(lower(p.name) like lower(?) or lower(p.sku) like lower(?))');
    const pattern = `%${escapeLike(term)}%`;
    params.push(pattern, pattern);
  }
  if (filter.minPriceCents !== null) {
    where.push('p.price_cents >= ?');
    params.push(filter.minPriceCents);
  }
  if (filter.maxPriceCents !== null) {
    where.push('p.price_cents <= ?');
    params.push(filter.maxPriceCents);
  }
  return where;
}

export interface ProductPageQuery {
  /** Rows to return; the query fetches one more to tell whether a next page exists. */
  first: number;
  /** Keyset position (name, id) of the last product already seen. */
  after: { name: string; id: string } | null;
  filter: ProductFilter;
}

/** Up to first+1 products after the keyset position, ordered by (name, id). */
export function listProducts({ em }: ReadContext, q: ProductPageQuery): Promise<Product[]> {
  const params: unknown[] = [];
  const where = filterConditions(q.filter, params);
  if (q.after) {
    // Row comparison matches ORDER BY name, id exactly, so a product inserted anywhere never
    // shifts or repeats what comes after a cursor.
    where.push('(p.name, p.id) > (?, ?)');
    params.push(q.after.name, q.after.id);
  }
  params.push(q.first + 1);
  const sql = `select ${PRODUCT_COLUMNS} from products p
    ${where.length ? `where ${where.join(' and ')}` : ''}
    order by p.name, p.id limit ?`;
  return legacyQueryRows<Product>(em, sql, params);
}

export async function countProducts({ em }: ReadContext, filter: ProductFilter): Promise<number> {
  const params: unknown[] = [];
  const where = filterConditions(filter, params);
  const sql = `select count(*)::int as count from products p ${where.length ? `where ${where.join(' and ')}` : ''}`;
  const row = await legacyQueryOne<{ count: number }>(em, sql, params);
  return row?.count ?? 0;
}

/** Products by id, any order, unknown ids absent (the loader puts them back in key order). */
export function productsByIds({ em }: ReadContext, ids: readonly string[]): Promise<Product[]> {
  return legacyQueryRows<Product>(em, `select ${PRODUCT_COLUMNS} from products p where p.id = any(?::text[])`, [ids]);
}

export function productBySku({ em }: ReadContext, sku: string): Promise<Product | null> {
  return legacyQueryOne<Product>(em, `select ${PRODUCT_COLUMNS} from products p where p.sku = ?`, [normalizeSku(sku)]);
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
export async function searchProducts({ em }: ReadContext, q: SearchQuery): Promise<Product[]> {
  if (q.first === 0) return [];
  const params: unknown[] = [];
  const where = filterConditions(
    {
      categoryId: null,
      active: q.includeInactive ? null : true,
      terms: searchTerms(q.text),
      minPriceCents: null,
      maxPriceCents: null,
    },
    params,
  );
  params.push(q.text, `${escapeLike(q.text)}%`, q.text, q.first);
  const sql = `select ${PRODUCT_COLUMNS} from products p
    where ${where.join(' and ')}
    order by lower(p.sku) = lower(?) desc,
      lower(p.name) like lower(?) desc,
      similarity(lower(p.name), lower(?)) desc,
      p.name, p.id
    limit ?`;
  return legacyQueryRows<Product>(em, sql, params);
}

/** The whole tree (a few dozen rows), ordered for display: by position, then name. */
export function allCategories({ em }: ReadContext): Promise<Category[]> {
  return legacyQueryRows<Category>(
    em,
    `select ${CATEGORY_COLUMNS} from categories c order by c.position, c.name, c.id`,
  );
}

/**
 * Categories by id plus their parents, so that `category { parent { name } }` needs no second
 * round trip (the loader primes the parents).
 */
export function categoriesWithParents({ em }: ReadContext, ids: readonly string[]): Promise<Category[]> {
  return legacyQueryRows<Category>(
    em,
    `select ${CATEGORY_COLUMNS} from categories c
     where c.id = any(?::text[])
        or c.id in (select k.parent_id from categories k where k.id = any(?::text[]) and k.parent_id is not null)`,
    [ids, ids],
  );
}

export function childCategories({ em }: ReadContext, parentIds: readonly string[]): Promise<Category[]> {
  return legacyQueryRows<Category>(
    em,
    `select ${CATEGORY_COLUMNS} from categories c where c.parent_id = any(?::text[]) order by c.position, c.name, c.id`,
    [parentIds],
  );
}

export interface CategoryCountRow {
  id: string;
  parentId: string | null;
  /** Products filed directly in this category. */
  direct: number;
  hasChildren: boolean;
}

/** Direct product counts of the given categories and of their children, in one statement. */
export function categoryCounts({ em }: ReadContext, ids: readonly string[]): Promise<CategoryCountRow[]> {
  return legacyQueryRows<CategoryCountRow>(
    em,
    `select c.id, c.parent_id as "parentId",
       (select count(*) from products p where p.category_id = c.id)::int as direct,
       exists (select 1 from categories g where g.parent_id = c.id) as "hasChildren"
     from categories c
     where c.id = any(?::text[]) or c.parent_id = any(?::text[])`,
    [ids, ids],
  );
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
export function latestPriceChanges({ em }: ReadContext, q: PriceHistoryQuery): Promise<PriceChange[]> {
  return legacyQueryRows<PriceChange>(
    em,
    `select id, "productId", "oldPriceCents", "newPriceCents", currency, reason, "changedBy", "changedAt" from (
       select h.id::text as id, h.product_id as "productId", h.old_price_cents as "oldPriceCents",
         h.new_price_cents as "newPriceCents", h.currency, h.reason, h.changed_by as "changedBy",
         h.changed_at as "changedAt",
         row_number() over (partition by h.product_id order by h.changed_at desc, h.id desc) as rank
       from product_price_changes h where h.product_id = any(?::text[])
     ) ranked where rank <= ? order by "productId", rank`,
    [q.productIds, q.first],
  );
}
