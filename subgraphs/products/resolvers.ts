import type { GraphQLResolveInfo } from 'graphql';
import type { Resolvers } from './generated/resolvers';
import type { Category } from './domain/types';
import {
  badInput,
  checkFirst,
  DateTimeScalar,
  decodeCursor,
  DecimalScalar,
  encodeCursor,
  asksOnlyKey,
  lazyConnection,
  money,
  retainedEventsResolver,
  type Context,
} from '../kit';
import {
  allCategories,
  countProducts,
  listProducts,
  productBySku,
  productCountOf,
  searchProducts,
  topLevelCategories,
} from './domain/catalogue';
import { changeProductPrice, createProduct, updateProduct } from './domain/commands';
import { checkFilter, checkSearchText } from './domain/validation';
import { primeCategoryTree, type ProductLoaders } from './loaders';

type Ctx = Context<ProductLoaders>;

const DEFAULT_PAGE = 20;

/**
 * A category by the id a product or category holds: read through the loader, unless only its `id`
 * is asked for (every order line and sale prices its product with `category { id }`), which the id
 * answers with no read: products.category_id and categories.parent_id are foreign keys, so the id
 * names a category.
 */
function categoryRef(
  id: string | null,
  ctx: Ctx,
  info: GraphQLResolveInfo | undefined,
): Promise<Category | null> | Category | null {
  if (id === null) return null;
  // Only `id` (and `__typename`) of it is resolved: no other field of the object is ever read.
  if (info && asksOnlyKey(info)) return { id } as Category;
  return ctx.loaders.categoryById.load(id);
}

/** The outbox's retained events (docs/events.md, "Retention and rebuild"); SERVICE only. */
const retainedEvents = retainedEventsResolver('products');

/**
 * Thin: arguments are checked and converted here (page size, cursor, filter), the domain reads and
 * writes, and the parents the domain returns (its row types, see subgraphs/codegen-mappers.ts) are
 * mapped to the SDL's shapes (Money). Argument and parent types come from generated/resolvers.ts.
 * The catalogue's reads are lean statements: they run on the request's `reads` (no unit of work);
 * writes get `ctx.domain`.
 */
export const resolvers = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,

  Query: {
    products(_, args, ctx) {
      const first = checkFirst(args.first, DEFAULT_PAGE);
      const after = decodeCursor(args.after, ['string', 'string']);
      const filter = checkFilter(args.filter);
      if (!filter.ok) throw badInput(filter.message, { argument: 'filter' });
      // edges/pageInfo share one page query; totalCount's COUNT runs only when it is selected.
      return lazyConnection({
        rows: () =>
          listProducts(ctx.loaders.reads, {
            first,
            after: after && { name: after[0], id: after[1] },
            filter: filter.value,
          }),
        first,
        cursorOf: (p) => encodeCursor([p.name, p.id]),
        count: () => countProducts(ctx.loaders.reads, filter.value),
        hasPrevious: after !== null,
      });
    },
    product: (_, args, ctx) => ctx.loaders.productById.load(args.id),
    productBySku: (_, args, ctx) => productBySku(ctx.loaders.reads, args.sku),
    searchProducts(_, args, ctx) {
      const text = checkSearchText(args.text);
      if (!text.ok) throw badInput(text.message, { argument: 'text' });
      const first = checkFirst(args.first, DEFAULT_PAGE);
      return searchProducts(ctx.loaders.reads, {
        text: text.value,
        first,
        includeInactive: args.includeInactive ?? false,
      });
    },
    async categories(_, _args, ctx) {
      const all = await allCategories(ctx.loaders.reads);
      primeCategoryTree(ctx.loaders, all);
      return topLevelCategories(all);
    },
    category: (_, args, ctx) => ctx.loaders.categoryById.load(args.id),
    retainedEvents: (_p, args, ctx) => retainedEvents(_p, args, ctx.domain),
  },

  Mutation: {
    createProduct: (_, args, ctx) => createProduct(ctx.domain, args.input),
    changeProductPrice: (_, args, ctx) => changeProductPrice(ctx.domain, args.input),
    updateProduct: (_, args, ctx) => updateProduct(ctx.domain, args.input),
  },

  Product: {
    __resolveReference: (ref, ctx) => ctx.loaders.productById.load(ref.id),
    price: (p) => money(p.priceCents, p.currency),
    category: (p, _args, ctx, info) => categoryRef(p.categoryId, ctx, info),
    priceHistory: (p, args, ctx) => ctx.loaders.priceHistory(checkFirst(args.first, DEFAULT_PAGE)).load(p.id),
  },

  PriceChange: {
    oldPrice: (h) => money(h.oldPriceCents, h.currency),
    newPrice: (h) => money(h.newPriceCents, h.currency),
  },

  Category: {
    __resolveReference: (ref, ctx) => ctx.loaders.categoryById.load(ref.id),
    parent: (c, _args, ctx, info) => categoryRef(c.parentId, ctx, info),
    children: (c, _args, ctx) => ctx.loaders.childrenOf.load(c.id),
    productCount: (c, _args, ctx) => productCountOf(c, (id) => ctx.loaders.categoryFamily.load(id)),
  },
} satisfies Resolvers<Ctx>;
