import { randomUUID } from 'node:crypto';
import {
  ForeignKeyConstraintViolationException,
  LockMode,
  UniqueConstraintViolationException,
} from '@mikro-orm/postgresql';
import { DEFAULT_CURRENCY, pgConstraint, queryOne, type DomainContext } from '../../kit/domain';
import { CategorySchema, ProductPriceChangeSchema, ProductSchema } from '../entities';
import type { ChangeProductPriceInput, CreateProductInput, UpdateProductInput } from '../generated/resolvers';
import type { Product } from './types';
import { checkDescription, checkName, checkPrice, checkReason, checkSku } from './validation';
import { userError, type ProductsUserError } from './errors';
import { changedFields, productCreated, productPriceChanged, productUpdated, recordProductEvents } from './events';
import { PRODUCT_RULES } from './sql/commands';

/**
 * Catalogue changes, written through the request's unit of work (ADR 0003). Every rule is checked
 * before anything is written and all broken rules are reported together; a change is written in one
 * transaction or not at all. The product returned is the managed row itself: it has the table's one
 * shape (types.ts), so nothing is copied.
 *
 * Every committed change writes its event (domain/events.ts, docs/events.md) in its transaction:
 * the unit of work is flushed first, so the event's outbox row follows the product's row; a refused
 * change, or one that changes nothing, writes none.
 */

export interface ProductResult {
  product: Product | null;
  errors: ProductsUserError[];
}

function failed(errors: ProductsUserError[]): ProductResult {
  return { product: null, errors };
}

const notFound = () => userError('NOT_FOUND', 'No product has this id', ['input', 'productId']);
const unknownCategory = () => userError('UNKNOWN_CATEGORY', 'No category has this id', ['input', 'categoryId']);
const duplicateSku = (sku: string) =>
  userError('DUPLICATE_SKU', `Another product already has SKU ${sku}`, ['input', 'sku']);

function newProductId(): string {
  return `prod-${randomUUID()}`;
}

export async function createProduct(ctx: DomainContext, input: CreateProductInput): Promise<ProductResult> {
  const errors: ProductsUserError[] = [];
  const sku = checkSku(input.sku, ['input', 'sku'], errors);
  const name = checkName(input.name, ['input', 'name'], errors);
  const description = checkDescription(input.description, ['input', 'description'], errors);
  const priceCents = checkPrice(input.price, ['input', 'price'], errors);
  const categoryId = input.categoryId ?? null;

  // Lean SQL: both rule checks in one round trip (two ORM lookups would be two statements and load
  // rows nobody uses). The unique index and the foreign key still decide races (below).
  const found = await queryOne(ctx.em, PRODUCT_RULES, { sku, categoryId });
  if (found?.skuTaken) errors.push(duplicateSku(sku));
  if (found && !found.categoryFound) errors.push(unknownCategory());
  if (errors.length) return failed(errors);

  try {
    const product = await ctx.em.transactional(async (tx) => {
      const now = new Date();
      const created = tx.create(ProductSchema, {
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
      // The row first (a duplicate SKU or a vanished category fails here, before any event), then its event.
      await tx.flush();
      await recordProductEvents(tx, ctx.requestId, [productCreated(created)]);
      return created;
    });
    return { product, errors: [] };
  } catch (err) {
    // Another request created the same SKU between our check and our insert.
    if (err instanceof UniqueConstraintViolationException && pgConstraint(err) === 'products_sku_unique') {
      return failed([duplicateSku(sku)]);
    }
    // The category was removed between our check and our insert.
    if (err instanceof ForeignKeyConstraintViolationException) return failed([unknownCategory()]);
    throw err;
  }
}

/**
 * Sets a new price and appends the change to the price history in the same transaction. The
 * product row is locked so that two concurrent changes record a consistent old -> new chain.
 * Setting the current price again changes nothing and records nothing. The change is recorded
 * with the caller's identity (audit).
 */
export async function changeProductPrice(ctx: DomainContext, input: ChangeProductPriceInput): Promise<ProductResult> {
  const errors: ProductsUserError[] = [];
  const priceCents = checkPrice(input.price, ['input', 'price'], errors);
  const reason = checkReason(input.reason, ['input', 'reason'], errors);

  return ctx.em.transactional(async (tx) => {
    const product = await tx.findOne(ProductSchema, { id: input.productId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!product) errors.push(notFound());
    if (errors.length || !product) return failed(errors);
    if (product.priceCents === priceCents) return { product, errors: [] };

    const change = tx.create(ProductPriceChangeSchema, {
      productId: product.id,
      oldPriceCents: product.priceCents,
      newPriceCents: priceCents,
      currency: product.currency,
      reason,
      changedBy: ctx.identity?.sub ?? null,
      changedAt: new Date(),
    });
    // updatedAt follows from the entity's onUpdate when the unit of work flushes.
    product.priceCents = priceCents;
    // The product's row and its history entry first (the entry's id is known after), then the event.
    await tx.flush();
    await recordProductEvents(tx, ctx.requestId, [productPriceChanged(product, change)]);
    return { product, errors: [] };
  });
}

/**
 * Changes descriptive fields; fields left out (or null where null means nothing) stay as they are.
 * The unit of work writes only what differs, so a change to the current values writes nothing (and
 * no event).
 */
export async function updateProduct(ctx: DomainContext, input: UpdateProductInput): Promise<ProductResult> {
  const errors: ProductsUserError[] = [];
  const name = input.name == null ? undefined : checkName(input.name, ['input', 'name'], errors);
  const description =
    input.description == null ? undefined : checkDescription(input.description, ['input', 'description'], errors);

  try {
    return await ctx.em.transactional(async (tx) => {
      const product = await tx.findOne(
        ProductSchema,
        { id: input.productId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!product) errors.push(notFound());
      // Every given id is checked, "" included: no unknown id may reach the relation (MikroORM 6
      // overflows its stack on an empty primary key instead of letting the foreign key refuse it).
      if (typeof input.categoryId === 'string' && (await tx.count(CategorySchema, { id: input.categoryId })) === 0) {
        errors.push(unknownCategory());
      }
      if (errors.length || !product) return failed(errors);

      const before = {
        name: product.name,
        description: product.description,
        categoryId: product.categoryId,
        active: product.active,
      };
      if (name !== undefined) product.name = name;
      if (description !== undefined) product.description = description;
      // undefined: leave as is; null: remove from its category.
      if (input.categoryId !== undefined) product.categoryId = input.categoryId;
      if (input.active != null) product.active = input.active;
      if (changedFields(before, product).length > 0) {
        // The row first (a vanished category fails here; its new updatedAt is the event's time), then the event.
        await tx.flush();
        await recordProductEvents(tx, ctx.requestId, [productUpdated(product, before)]);
      }
      return { product, errors: [] };
    });
  } catch (err) {
    if (err instanceof ForeignKeyConstraintViolationException) return failed([unknownCategory()]);
    throw err;
  }
}
