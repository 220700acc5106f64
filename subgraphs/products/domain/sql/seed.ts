import { sql } from '../../../kit/domain';

/**
 * The demo catalogue's inserts (seed.ts), idempotent: ON CONFLICT DO NOTHING adds what is missing
 * and never overwrites what changed since. Rows travel as one array parameter per column, so a
 * statement's text does not grow with the number of rows.
 */

export const INSERT_CATEGORIES = sql<{
  ids: string[];
  names: string[];
  slugs: string[];
  parentIds: (string | null)[];
  positions: number[];
}>(
  `insert into categories (id, name, slug, parent_id, position)
   select * from unnest(:ids::text[], :names::text[], :slugs::text[], :parentIds::text[], :positions::int[])
   on conflict do nothing`,
);

export const INSERT_PRODUCTS = sql<{
  ids: string[];
  skus: string[];
  names: string[];
  descriptions: string[];
  priceCents: number[];
  currency: string;
  active: boolean[];
  categoryIds: (string | null)[];
}>(
  `insert into products (id, sku, name, description, price_cents, currency, active, category_id)
   select x.id, x.sku, x.name, x.description, x.price_cents, :currency, x.active, x.category_id
     from unnest(:ids::text[], :skus::text[], :names::text[], :descriptions::text[], :priceCents::int[],
                 :active::boolean[], :categoryIds::text[])
          as x(id, sku, name, description, price_cents, active, category_id)
   on conflict do nothing`,
);
