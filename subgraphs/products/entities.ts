import { BigIntType, EntitySchema } from '@mikro-orm/postgresql';
import { OutboxEvent } from '../kit/outbox';
import type { Category, PriceChange, Product } from './domain/types';

/**
 * The single description of each catalogue table (ADR 0003), built on the row interfaces of
 * domain/types.ts: columns with their types and defaults, keys, foreign keys, indexes and CHECK
 * constraints. `npm run migration:create -- products --check` fails when these and the committed
 * migrations disagree, so names below are the ones the migrations gave (PostgreSQL's own
 * `<table>_<column>_fkey` / `_check` for unnamed constraints).
 *
 * Foreign keys are ManyToOne relations with `mapToPk: true`: the ORM knows the constraint, and the
 * property stays the plain id that lean reads select and writes set (no relation proxies to hydrate).
 * PostgreSQL's default rules (no action) are spelled out because MikroORM's default update rule is
 * cascade.
 */

/** `created_at`-style columns: the database fills them; the ORM sets the same instant on insert. */
const createdAt = {
  type: 'Date',
  columnType: 'timestamptz',
  defaultRaw: 'now()',
  onCreate: () => new Date(),
} as const;

export const CategorySchema = new EntitySchema<Category>({
  name: 'Category',
  tableName: 'categories',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    name: { type: 'string', columnType: 'text' },
    slug: { type: 'string', columnType: 'text', unique: 'categories_slug_unique' },
    parentId: {
      kind: 'm:1',
      entity: 'Category',
      mapToPk: true,
      fieldName: 'parent_id',
      nullable: true,
      foreignKeyName: 'categories_parent_id_fkey',
      updateRule: 'no action',
      deleteRule: 'no action',
    },
    position: { type: 'integer', default: 0 },
    createdAt: { ...createdAt, fieldName: 'created_at' },
  },
  indexes: [{ name: 'categories_parent_idx', properties: ['parentId', 'position', 'name'] }],
  checks: [
    { name: 'categories_name_check', expression: 'length(btrim(name)) >= 1 and length(btrim(name)) <= 100' },
    { name: 'categories_not_own_parent', expression: 'parent_id is null or parent_id <> id' },
  ],
});

export const ProductSchema = new EntitySchema<Product>({
  name: 'Product',
  tableName: 'products',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    sku: { type: 'string', columnType: 'text', unique: 'products_sku_unique' },
    name: { type: 'string', columnType: 'text' },
    description: { type: 'string', columnType: 'text', default: '' },
    priceCents: { type: 'integer', fieldName: 'price_cents' },
    currency: { type: 'string', columnType: 'text', default: 'CAD' },
    active: { type: 'boolean', default: true },
    categoryId: {
      kind: 'm:1',
      entity: 'Category',
      mapToPk: true,
      fieldName: 'category_id',
      nullable: true,
      foreignKeyName: 'products_category_id_fkey',
      updateRule: 'no action',
      deleteRule: 'no action',
    },
    createdAt: { ...createdAt, fieldName: 'created_at' },
    updatedAt: { ...createdAt, fieldName: 'updated_at', onUpdate: () => new Date() },
  },
  indexes: [
    // Keyset pagination: ORDER BY name, id with (name, id) > (cursor) reads these in order.
    { name: 'products_name_id_idx', properties: ['name', 'id'] },
    { name: 'products_category_name_id_idx', properties: ['categoryId', 'name', 'id'] },
    // Case-insensitive substring search: lower(col) LIKE '%term%' uses these trigram indexes (pg_trgm).
    {
      name: 'products_name_trgm_idx',
      expression: 'create index products_name_trgm_idx on products using gin (lower(name) gin_trgm_ops)',
    },
    {
      name: 'products_sku_trgm_idx',
      expression: 'create index products_sku_trgm_idx on products using gin (lower(sku) gin_trgm_ops)',
    },
  ],
  checks: [
    { name: 'products_sku_format', expression: "sku ~ '^[A-Z0-9][A-Z0-9-]{1,39}$'" },
    { name: 'products_name_length', expression: 'length(btrim(name)) >= 1 and length(btrim(name)) <= 200' },
    { name: 'products_price_positive', expression: 'price_cents > 0' },
    { name: 'products_currency_format', expression: "currency ~ '^[A-Z]{3}$'" },
  ],
});

export const ProductPriceChangeSchema = new EntitySchema<PriceChange>({
  name: 'ProductPriceChange',
  tableName: 'product_price_changes',
  properties: {
    // 'string' mode: MikroORM 6 maps bigint to a JS bigint by default; the API carries ids as text.
    id: {
      type: new BigIntType('string'),
      columnType: 'bigint',
      primary: true,
      autoincrement: true,
      generated: 'by default as identity',
    },
    productId: {
      kind: 'm:1',
      entity: 'Product',
      mapToPk: true,
      fieldName: 'product_id',
      foreignKeyName: 'product_price_changes_product_id_fkey',
      updateRule: 'no action',
      deleteRule: 'cascade',
    },
    oldPriceCents: { type: 'integer', fieldName: 'old_price_cents' },
    newPriceCents: { type: 'integer', fieldName: 'new_price_cents' },
    currency: { type: 'string', columnType: 'text' },
    reason: { type: 'string', columnType: 'text', nullable: true },
    changedBy: { type: 'string', columnType: 'text', fieldName: 'changed_by', nullable: true },
    changedAt: { ...createdAt, fieldName: 'changed_at' },
  },
  indexes: [
    // The latest changes of each product first (latestPriceChanges); DESC keys need the expression form.
    {
      name: 'product_price_changes_product_idx',
      expression:
        'create index product_price_changes_product_idx on product_price_changes (product_id, changed_at desc, id desc)',
    },
  ],
  checks: [{ name: 'product_price_changes_new_price_cents_check', expression: 'new_price_cents > 0' }],
});

/** The catalogue's tables, and the kit's `outbox` its events are written to (domain/events.ts, ADR 0019). */
export const entities = [CategorySchema, ProductSchema, ProductPriceChangeSchema, OutboxEvent];
