import type { Resolvers } from './generated/resolvers';
import {
  badInput,
  checkFirst,
  decodeCursor,
  DecimalScalar,
  encodeCursor,
  money,
  toConnection,
  type Connection,
  type Context,
} from '../kit';
import {
  allCategories,
  countProducts,
  listProducts,
  productBySku,
  productCountOf,
  searchProducts,
} from './domain/catalogue';
import {
  changeProductPrice,
  createProduct,
  updateProduct,
  type ChangeProductPriceInput,
  type CreateProductInput,
  type UpdateProductInput,
} from './domain/commands';
import type { Category, PriceChange, Product } from './domain/types';
import { checkFilter, checkSearchText, type ProductFilterInput } from './domain/validation';
import { primeCategoryTree, type ProductLoaders } from './loaders';
import { DateTimeScalar } from './scalars';

type Ctx = Context<ProductLoaders>;

const DEFAULT_PAGE = 20;

/**
 * The connection's parts are thunks: edges and pageInfo share the page query, and totalCount's
 * COUNT starts only when the client selects it, in parallel with the page query.
 */
interface LazyConnection {
  edges: () => Promise<Connection<Product>['edges']>;
  pageInfo: () => Promise<Connection<Product>['pageInfo']>;
  totalCount: () => Promise<number>;
}

function keysetOf(after: string | null | undefined): { name: string; id: string } | null {
  const values = decodeCursor(after, ['string', 'string']);
  if (values === null) return null;
  const [name, id] = values;
  return { name, id };
}

export const resolvers = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,

  Query: {
    products(
      _: unknown,
      args: { first?: number | null; after?: string | null; filter?: ProductFilterInput | null },
      ctx: Ctx,
    ): LazyConnection {
      const first = checkFirst(args.first, DEFAULT_PAGE);
      const after = keysetOf(args.after);
      const filter = checkFilter(args.filter);
      if (!filter.ok) throw badInput(filter.message, { argument: 'filter' });
      let page: Promise<Connection<Product>> | undefined;
      const loadPage = () =>
        (page ??= listProducts(ctx.em, { first, after, filter: filter.value }).then((rows) =>
          toConnection(rows, first, (p) => encodeCursor([p.name, p.id]), 0, after !== null),
        ));
      let count: Promise<number> | undefined;
      return {
        edges: () => loadPage().then((c) => c.edges),
        pageInfo: () => loadPage().then((c) => c.pageInfo),
        totalCount: () => (count ??= countProducts(ctx.em, filter.value)),
      };
    },
    product: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.loaders.productById.load(args.id),
    productBySku: (_: unknown, args: { sku: string }, ctx: Ctx) => productBySku(ctx.em, args.sku),
    searchProducts(
      _: unknown,
      args: { text: string; first?: number | null; includeInactive?: boolean | null },
      ctx: Ctx,
    ): Promise<Product[]> {
      const text = checkSearchText(args.text);
      if (!text.ok) throw badInput(text.message, { argument: 'text' });
      const first = checkFirst(args.first, DEFAULT_PAGE);
      return searchProducts(ctx.em, { text: text.value, first, includeInactive: args.includeInactive ?? false });
    },
    async categories(_: unknown, _args: unknown, ctx: Ctx): Promise<Category[]> {
      const all = await allCategories(ctx.em);
      primeCategoryTree(ctx.loaders, all);
      return all.filter((c) => c.parentId === null);
    },
    category: (_: unknown, args: { id: string }, ctx: Ctx) => ctx.loaders.categoryById.load(args.id),
  },

  Mutation: {
    createProduct: (_: unknown, args: { input: CreateProductInput }, ctx: Ctx) => createProduct(ctx.em, args.input),
    changeProductPrice: (_: unknown, args: { input: ChangeProductPriceInput }, ctx: Ctx) =>
      changeProductPrice(ctx.em, args.input, ctx.identity?.sub ?? null),
    updateProduct: (_: unknown, args: { input: UpdateProductInput }, ctx: Ctx) => updateProduct(ctx.em, args.input),
  },

  Product: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.productById.load(ref.id),
    price: (p: Product) => money(p.priceCents, p.currency),
    category: (p: Product, _args: unknown, ctx: Ctx) =>
      p.categoryId === null ? null : ctx.loaders.categoryById.load(p.categoryId),
    priceHistory: (p: Product, args: { first?: number | null }, ctx: Ctx) =>
      ctx.loaders.priceHistory(checkFirst(args.first, DEFAULT_PAGE)).load(p.id),
  },

  PriceChange: {
    oldPrice: (h: PriceChange) => money(h.oldPriceCents, h.currency),
    newPrice: (h: PriceChange) => money(h.newPriceCents, h.currency),
  },

  Category: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.categoryById.load(ref.id),
    parent: (c: Category, _args: unknown, ctx: Ctx) =>
      c.parentId === null ? null : ctx.loaders.categoryById.load(c.parentId),
    children: (c: Category, _args: unknown, ctx: Ctx) => ctx.loaders.childrenOf.load(c.id),
    productCount: (c: Category, _args: unknown, ctx: Ctx) =>
      productCountOf(c, (id) => ctx.loaders.categoryFamily.load(id)),
  },
} satisfies Resolvers<Ctx>;
