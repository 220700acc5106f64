import { randomUUID } from 'node:crypto';
import {
  ForeignKeyConstraintViolationException,
  LockMode,
  UniqueConstraintViolationException,
  type EntityManager,
} from '@mikro-orm/postgresql';
import { DEFAULT_CURRENCY, userError, type UserError } from '../../kit';
import { ProductPriceChangeSchema, ProductSchema, type ProductEntity } from '../entities';
import { queryRows } from './sql';
import type { Product } from './types';
import { checkDescription, checkName, checkPrice, checkReason, checkSku } from './validation';

/**
 * Catalogue changes. Every rule is checked before anything is written and all broken rules are
 * reported together; a change is written in one transaction or not at all.
 */

export interface ProductResult {
  product: Product | null;
  errors: UserError[];
}

/** Who is making the change (identity sub), kept in the price history for audit. */
export type Actor = string | null;

function toProduct(e: ProductEntity): Product {
  return {
    id: e.id,
    sku: e.sku,
    name: e.name,
    description: e.description,
    priceCents: e.priceCents,
    currency: e.currency,
    active: e.active,
    categoryId: e.categoryId ?? null,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

function failed(errors: UserError[]): ProductResult {
  return { product: null, errors };
}

const unknownCategory = (field: string[]) => userError('UNKNOWN_CATEGORY', 'No category has this id', field);
const duplicateSku = (sku: string) =>
  userError('DUPLICATE_SKU', `Another product already has SKU ${sku}`, ['input', 'sku']);

export interface CreateProductInput {
  sku: string;
  name: string;
  description?: string | null;
  price: string;
  categoryId?: string | null;
  active?: boolean | null;
}

export function newProductId(): string {
  return `prod-${randomUUID()}`;
}

export async function createProduct(em: EntityManager, input: CreateProductInput): Promise<ProductResult> {
  const errors: UserError[] = [];
  const sku = checkSku(input.sku, ['input', 'sku'], errors);
  const name = checkName(input.name, ['input', 'name'], errors);
  const description = checkDescription(input.description, ['input', 'description'], errors);
  const priceCents = checkPrice(input.price, ['input', 'price'], errors);
  const categoryId = input.categoryId ?? null;

  // Both lookups in one statement; the unique index still decides races (below).
  const [found] = await queryRows<{ skuTaken: boolean; categoryFound: boolean }>(
    em,
    `select exists (select 1 from products where sku = ?) as "skuTaken",
            (?::text is null or exists (select 1 from categories where id = ?)) as "categoryFound"`,
    [sku, categoryId, categoryId],
  );
  if (found?.skuTaken) errors.push(duplicateSku(sku));
  if (found && !found.categoryFound) errors.push(unknownCategory(['input', 'categoryId']));
  if (errors.length) return failed(errors);

  try {
    const entity = await em.transactional(async (tx) => {
      const now = new Date();
      return tx.create(ProductSchema, {
        id: newProductId(),
        sku,
        name,
        description,
        priceCents,
        currency: DEFAULT_CURRENCY,
        active: input.active ?? true,
        categoryId,
        createdAt: now,
        updatedAt: now,
      });
    });
    return { product: toProduct(entity), errors: [] };
  } catch (err) {
    // Another request created the same SKU between our check and our insert.
    if (err instanceof UniqueConstraintViolationException) return failed([duplicateSku(sku)]);
    // The category was removed between our check and our insert.
    if (err instanceof ForeignKeyConstraintViolationException)
      return failed([unknownCategory(['input', 'categoryId'])]);
    throw err;
  }
}

export interface ChangeProductPriceInput {
  productId: string;
  price: string;
  reason?: string | null;
}

/**
 * Sets a new price and appends the change to the price history in the same transaction. The
 * product row is locked so that two concurrent changes record a consistent old -> new chain.
 * Setting the current price again changes nothing and records nothing.
 */
export async function changeProductPrice(
  em: EntityManager,
  input: ChangeProductPriceInput,
  actor: Actor,
): Promise<ProductResult> {
  const errors: UserError[] = [];
  const priceCents = checkPrice(input.price, ['input', 'price'], errors);
  const reason = checkReason(input.reason, ['input', 'reason'], errors);

  return em.transactional(async (tx) => {
    const product = await tx.findOne(ProductSchema, { id: input.productId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!product) errors.push(userError('NOT_FOUND', 'No product has this id', ['input', 'productId']));
    if (errors.length || !product) return failed(errors);
    if (product.priceCents === priceCents) return { product: toProduct(product), errors: [] };

    const now = new Date();
    tx.create(ProductPriceChangeSchema, {
      productId: product.id,
      oldPriceCents: product.priceCents,
      newPriceCents: priceCents,
      currency: product.currency,
      reason,
      changedBy: actor,
      changedAt: now,
    });
    product.priceCents = priceCents;
    product.updatedAt = now;
    await tx.flush();
    return { product: toProduct(product), errors: [] };
  });
}

export interface UpdateProductInput {
  productId: string;
  name?: string | null;
  description?: string | null;
  /** undefined: leave as is; null: remove from its category. */
  categoryId?: string | null;
  active?: boolean | null;
}

/** Changes descriptive fields; fields left out (or null where null means nothing) stay as they are. */
export async function updateProduct(em: EntityManager, input: UpdateProductInput): Promise<ProductResult> {
  const errors: UserError[] = [];
  const name =
    input.name === undefined || input.name === null ? undefined : checkName(input.name, ['input', 'name'], errors);
  const description =
    input.description === undefined || input.description === null
      ? undefined
      : checkDescription(input.description, ['input', 'description'], errors);

  try {
    return await em.transactional(async (tx) => {
      const product = await tx.findOne(
        ProductSchema,
        { id: input.productId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!product) errors.push(userError('NOT_FOUND', 'No product has this id', ['input', 'productId']));
      if (input.categoryId) {
        const [row] = await queryRows<{ found: boolean }>(
          tx,
          'select exists (select 1 from categories where id = ?) as found',
          [input.categoryId],
        );
        if (!row?.found) errors.push(unknownCategory(['input', 'categoryId']));
      }
      if (errors.length || !product) return failed(errors);

      let changed = false;
      const set = <K extends 'name' | 'description' | 'categoryId' | 'active'>(key: K, value: ProductEntity[K]) => {
        if (product[key] !== value) {
          product[key] = value;
          changed = true;
        }
      };
      if (name !== undefined) set('name', name);
      if (description !== undefined) set('description', description);
      if (input.categoryId !== undefined) set('categoryId', input.categoryId);
      if (input.active !== undefined && input.active !== null) set('active', input.active);
      if (changed) {
        product.updatedAt = new Date();
        await tx.flush();
      }
      return { product: toProduct(product), errors: [] };
    });
  } catch (err) {
    if (err instanceof ForeignKeyConstraintViolationException)
      return failed([unknownCategory(['input', 'categoryId'])]);
    throw err;
  }
}
