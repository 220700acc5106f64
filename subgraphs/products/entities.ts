import { EntitySchema } from '@mikro-orm/postgresql';

/**
 * What the ORM knows about the catalogue tables; used for writes only (ADR 0003). Foreign keys are
 * plain scalar columns rather than ORM relations: writes set ids they have already validated, and
 * reads go through lean SQL, so relation proxies would only add hydration cost.
 */

export interface CategoryEntity {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
  position: number;
  createdAt: Date;
}

export const CategorySchema = new EntitySchema<CategoryEntity>({
  name: 'Category',
  tableName: 'categories',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    name: { type: 'string', columnType: 'text' },
    slug: { type: 'string', columnType: 'text', unique: true },
    parentId: { type: 'string', columnType: 'text', fieldName: 'parent_id', nullable: true },
    position: { type: 'integer' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at', onCreate: () => new Date() },
  },
});

export interface ProductEntity {
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

export const ProductSchema = new EntitySchema<ProductEntity>({
  name: 'Product',
  tableName: 'products',
  properties: {
    id: { type: 'string', primary: true, columnType: 'text' },
    sku: { type: 'string', columnType: 'text', unique: true },
    name: { type: 'string', columnType: 'text' },
    description: { type: 'string', columnType: 'text' },
    priceCents: { type: 'integer', fieldName: 'price_cents' },
    currency: { type: 'string', columnType: 'text' },
    active: { type: 'boolean' },
    categoryId: { type: 'string', columnType: 'text', fieldName: 'category_id', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at', onCreate: () => new Date() },
    updatedAt: {
      type: 'Date',
      columnType: 'timestamptz',
      fieldName: 'updated_at',
      onCreate: () => new Date(),
      onUpdate: () => new Date(),
    },
  },
});

export interface ProductPriceChangeEntity {
  /** bigint identity; MikroORM maps bigint to string so no precision is lost. */
  id?: string;
  productId: string;
  oldPriceCents: number;
  newPriceCents: number;
  currency: string;
  reason: string | null;
  /** Who changed it (identity sub); kept for audit, not exposed through the API. */
  changedBy: string | null;
  changedAt: Date;
}

export const ProductPriceChangeSchema = new EntitySchema<ProductPriceChangeEntity>({
  name: 'ProductPriceChange',
  tableName: 'product_price_changes',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    productId: { type: 'string', columnType: 'text', fieldName: 'product_id' },
    oldPriceCents: { type: 'integer', fieldName: 'old_price_cents' },
    newPriceCents: { type: 'integer', fieldName: 'new_price_cents' },
    currency: { type: 'string', columnType: 'text' },
    reason: { type: 'string', columnType: 'text', nullable: true },
    changedBy: { type: 'string', columnType: 'text', fieldName: 'changed_by', nullable: true },
    changedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'changed_at', onCreate: () => new Date() },
  },
});

export const entities = [CategorySchema, ProductSchema, ProductPriceChangeSchema];
