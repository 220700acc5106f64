import {
  checkFirst,
  DateTimeScalar,
  DecimalScalar,
  decodeCursor,
  encodeCursor,
  lazyConnection,
  lineTotalCents,
  money,
  requireFound,
  retainedEventsResolver,
  signToken,
  type Context,
} from '../kit';
import type { EcommerceConfig } from './config';
import { addAddress, removeAddress, updateAddress } from './domain/addresses';
import { addToCart, cartTotals, ensureCart, removeCartLine, updateCartLine } from './domain/carts';
import { checkout } from './domain/checkout';
import type { EcommerceContext } from './domain/context';
import { assertCanSeeCustomer, login, ownCustomerId, registerCustomer, type AuthResult } from './domain/customers';
import { cancelOrder, shipOrder, visibleOrder } from './domain/orders';
import type { ProductSource } from '../kit/clients';
import type { InventorySagaPort } from '../kit/domain';
import type { PaymentProvider } from './domain/ports';
import { countOrders, ordersPage, type OrderFilter } from './domain/reads';
import type { CartView } from './domain/types';
import type { CustomerOrdersArgs, Resolvers } from './generated/resolvers';
import type { EcommerceLoaders } from './loaders';
import type { OrderConnectionModel } from './models';

type Ctx = Context<EcommerceLoaders, EcommerceContext>;

/** The outbox's retained events, for reports' rebuild (docs/events.md); SERVICE only. */
const retainedEvents = retainedEventsResolver('ecommerce');

/** The process-wide collaborators of the resolvers: configuration and the adapters of the domain's ports. */
export interface ResolverServices {
  config: EcommerceConfig;
  products: ProductSource;
  inventory: InventorySagaPort;
  payments: PaymentProvider;
}

const productRef = (id: string) => ({ __typename: 'Product' as const, id });

/** Orders newest first as a Relay connection; its page query and COUNT run only when selected. */
function orderConnection(ctx: Ctx, filter: OrderFilter, args: CustomerOrdersArgs): OrderConnectionModel {
  const first = checkFirst(args.first);
  const cursor = decodeCursor(args.after, ['bigint']);
  const afterSeq = cursor ? cursor[0] : null;
  return lazyConnection({
    rows: () => ordersPage(ctx.domain, { filter, first, afterSeq }),
    first,
    cursorOf: (o) => encodeCursor([o.seq]),
    count: () => countOrders(ctx.domain, filter),
    hasPrevious: cursor !== null,
  });
}

export function createResolvers(services: () => ResolverServices) {
  /** Registration and login answer with a customer JWT for the account the domain returned. */
  const withToken = (result: AuthResult) => ({
    ...result,
    token: result.customer
      ? signToken({ sub: result.customer.id, role: 'CUSTOMER' }, services().config.customerTokenTtlSeconds)
      : null,
  });
  const cartLines = (cart: CartView, ctx: Ctx) => cart.lines ?? ctx.loaders.cartLines.load(cart.id);

  return {
    Decimal: DecimalScalar,
    DateTime: DateTimeScalar,

    Query: {
      me: (_p, _a, ctx) => {
        const id = ownCustomerId(ctx.domain);
        return id ? ctx.loaders.customer.load(id) : null;
      },
      order: async (_p, { id }, ctx) => visibleOrder(ctx.domain, await ctx.loaders.order.load(id)),
      orders: (_p, args, ctx) => orderConnection(ctx, { status: args.status }, args),
      retainedEvents: (_p, args, ctx) => retainedEvents(_p, args, ctx.domain),
    },

    Mutation: {
      registerCustomer: async (_p, { input }, ctx) => withToken(await registerCustomer(ctx.domain, input)),
      login: async (_p, { input }, ctx) => withToken(await login(ctx.domain, input)),
      addAddress: (_p, { input }, ctx) => addAddress(ctx.domain, input),
      updateAddress: (_p, { input }, ctx) => updateAddress(ctx.domain, input),
      removeAddress: (_p, { input }, ctx) => removeAddress(ctx.domain, input),
      addToCart: (_p, { input }, ctx) => addToCart(ctx.domain, input),
      updateCartLine: (_p, { input }, ctx) => updateCartLine(ctx.domain, input),
      removeCartLine: (_p, { input }, ctx) => removeCartLine(ctx.domain, input),
      checkout: (_p, { input }, ctx) => checkout(ctx.domain, input),
      cancelOrder: (_p, { input }, ctx) => cancelOrder(ctx.domain, input),
      shipOrder: (_p, { input }, ctx) => shipOrder(ctx.domain, input),
    },

    Customer: {
      // Another subgraph may reference a customer: only that customer and staff may read it. Async so
      // that a refusal fails this one entity of an `_entities` batch, not the whole batch.
      __resolveReference: async (ref, ctx) => {
        assertCanSeeCustomer(ctx.domain, ref.id);
        return ctx.loaders.customer.load(ref.id);
      },
      addresses: (c, _a, ctx) => ctx.loaders.addresses.load(c.id),
      cart: (c, _a, ctx) => ensureCart(ctx.domain, c.id),
      orders: (c, args, ctx) => orderConnection(ctx, { customerId: c.id }, args),
    },

    Cart: {
      lines: (cart, _a, ctx) => cartLines(cart, ctx),
      itemCount: async (cart, _a, ctx) => cartTotals(await cartLines(cart, ctx)).itemCount,
      subtotal: async (cart, _a, ctx) => {
        const t = cartTotals(await cartLines(cart, ctx));
        return money(t.subtotalCents, t.currency);
      },
    },

    CartLine: {
      product: (l) => productRef(l.productId),
      unitPrice: (l) => money(l.unitPriceCents, l.currency),
      lineTotal: (l) => money(lineTotalCents(l), l.currency),
    },

    Order: {
      __resolveReference: async (ref, ctx) => visibleOrder(ctx.domain, await ctx.loaders.order.load(ref.id)),
      // orders.customer_id references customers(id): a missing row is a broken database, not a client error.
      customer: async (o, _a, ctx) =>
        requireFound(
          await ctx.loaders.customer.load(o.customerId),
          () => new Error(`order ${o.id} has no customer ${o.customerId}`),
        ),
      lines: (o, _a, ctx) => o.lines ?? ctx.loaders.orderLines.load(o.id),
      history: (o, _a, ctx) => o.history ?? ctx.loaders.history.load(o.id),
      subtotal: (o) => money(o.subtotalCents, o.currency),
      total: (o) => money(o.totalCents, o.currency),
      paymentMethod: (o) => ({ brand: o.paymentBrand, last4: o.paymentLast4 }),
    },

    OrderLine: {
      product: (l) => productRef(l.productId),
      unitPrice: (l) => money(l.unitPriceCents, l.currency),
      lineTotal: (l) => money(lineTotalCents(l), l.currency),
    },
  } satisfies Resolvers<Ctx>;
}
