import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { checkFirst, DecimalScalar, forbidden, money, unauthenticated, type Context } from '../kit';
import type { ProductsClient } from './clients/products';
import type { DomainDeps, EcommerceServices } from './domain/deps';
import { sagaOutcomes } from './domain/deps';
import { addAddress, removeAddress, updateAddress } from './domain/addresses';
import { addToCart, ensureCart, removeCartLine, updateCartLine } from './domain/carts';
import { checkout, type CheckoutInput } from './domain/checkout';
import { login, registerCustomer, type LoginInput, type RegisterInput } from './domain/customers';
import { allOrders, assertCanSeeOrder, cancelOrder, customerOrders, shipOrder } from './domain/orders';
import type { AddressFields, CartLineView, CartView, CustomerView, OrderLineView, OrderView } from './domain/rows';
import type { OrderStatus } from './domain/saga';
import type { AddressInputShape } from './domain/validation';
import type { EcommerceLoaders } from './loaders';

type Ctx = Context<EcommerceLoaders>;

/** Everything the resolvers need besides the request context. */
export interface ResolverServices extends EcommerceServices {
  products: ProductsClient;
}

const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant in time as an ISO 8601 string in UTC, e.g. "2026-03-01T14:30:00.000Z".',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'string') return new Date(value).toISOString();
    throw new GraphQLError('DateTime cannot represent this value');
  },
  parseValue(value) {
    const d = typeof value === 'string' ? new Date(value) : null;
    if (!d || Number.isNaN(d.getTime()))
      throw new GraphQLError('DateTime must be an ISO 8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    return d;
  },
  parseLiteral(ast) {
    const d = ast.kind === Kind.STRING ? new Date(ast.value) : null;
    if (!d || Number.isNaN(d.getTime()))
      throw new GraphQLError('DateTime must be an ISO 8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    return d;
  },
});

/** The signed-in customer's id; the shield rules already required the CUSTOMER role. */
function customerId(ctx: Ctx): string {
  if (!ctx.identity) throw unauthenticated();
  if (ctx.identity.role !== 'CUSTOMER') throw forbidden('Requires a customer account');
  return ctx.identity.sub;
}

const productRef = (id: string) => ({ __typename: 'Product', id });

function cartTotals(lines: CartLineView[]) {
  return {
    count: lines.reduce((n, l) => n + l.quantity, 0),
    subtotal: lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0),
    currency: lines[0]?.currency,
  };
}

export function createResolvers(services: () => ResolverServices): GraphQLResolverMap<Ctx> {
  const deps = (ctx: Ctx): DomainDeps => {
    const s = services();
    return {
      config: s.config,
      inventory: s.inventory,
      payments: s.payments,
      em: ctx.em,
      log: ctx.log,
      outcomes: sagaOutcomes(ctx.metrics),
    };
  };
  const cartLines = (cart: CartView, ctx: Ctx) => cart.lines ?? ctx.loaders.cartLines.load(cart.id);

  return {
    Decimal: DecimalScalar,
    DateTime: DateTimeScalar,

    Query: {
      me: (_p, _a, ctx: Ctx) =>
        ctx.identity?.role === 'CUSTOMER' ? ctx.loaders.customer.load(ctx.identity.sub) : null,
      order: async (_p, args: { id: string }, ctx: Ctx) => {
        const order = await ctx.loaders.order.load(args.id);
        if (!order) return null;
        assertCanSeeOrder(ctx.identity, order);
        return order;
      },
      orders: (_p, args: { first?: number | null; after?: string | null; status?: OrderStatus | null }, ctx: Ctx) =>
        allOrders(ctx.em, checkFirst(args.first), args.after, args.status),
    },

    Mutation: {
      registerCustomer: (_p, args: { input: RegisterInput }, ctx: Ctx) =>
        registerCustomer(ctx.em, args.input, services().config.customerTokenTtlSeconds),
      login: (_p, args: { input: LoginInput }, ctx: Ctx) =>
        login(ctx.em, args.input, services().config.customerTokenTtlSeconds),
      addAddress: (_p, args: { input: { address: AddressInputShape & { isDefault?: boolean | null } } }, ctx: Ctx) =>
        addAddress(ctx.em, customerId(ctx), args.input.address),
      updateAddress: (
        _p,
        args: { input: { addressId: string; address: AddressInputShape & { isDefault?: boolean | null } } },
        ctx: Ctx,
      ) => updateAddress(ctx.em, customerId(ctx), args.input.addressId, args.input.address),
      removeAddress: (_p, args: { input: { addressId: string } }, ctx: Ctx) =>
        removeAddress(ctx.em, customerId(ctx), args.input.addressId),
      addToCart: (_p, args: { input: { productId: string; quantity: number } }, ctx: Ctx) =>
        addToCart(ctx.em, ctx.loaders.product, customerId(ctx), args.input),
      updateCartLine: (_p, args: { input: { lineId: string; quantity: number } }, ctx: Ctx) =>
        updateCartLine(ctx.em, ctx.loaders.product, customerId(ctx), args.input),
      removeCartLine: (_p, args: { input: { lineId: string } }, ctx: Ctx) =>
        removeCartLine(ctx.em, customerId(ctx), args.input),
      checkout: (_p, args: { input: CheckoutInput }, ctx: Ctx) =>
        checkout(deps(ctx), ctx.loaders.product, customerId(ctx), args.input),
      cancelOrder: (_p, args: { input: { orderId: string; reason?: string | null } }, ctx: Ctx) => {
        if (!ctx.identity) throw unauthenticated();
        return cancelOrder(deps(ctx), ctx.identity, args.input);
      },
      shipOrder: (_p, args: { input: { orderId: string; note?: string | null } }, ctx: Ctx) =>
        shipOrder(ctx.em, args.input),
    },

    Customer: {
      // Another subgraph may reference a customer: only that customer and staff may read it.
      __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
        const who = ctx.identity;
        if (!who) throw unauthenticated();
        if (!(who.role === 'CUSTOMER' && who.sub === ref.id) && !['MANAGER', 'ADMIN', 'SERVICE'].includes(who.role)) {
          throw forbidden('Customers are visible to themselves and to staff only');
        }
        return ctx.loaders.customer.load(ref.id);
      },
      addresses: (c: CustomerView, _a, ctx: Ctx) => ctx.loaders.addresses.load(c.id),
      cart: (c: CustomerView, _a, ctx: Ctx) => ensureCart(ctx.em, c.id),
      orders: (c: CustomerView, args: { first?: number | null; after?: string | null }, ctx: Ctx) =>
        customerOrders(ctx.em, c.id, checkFirst(args.first), args.after),
    },

    Cart: {
      lines: (cart: CartView, _a, ctx: Ctx) => cartLines(cart, ctx),
      itemCount: async (cart: CartView, _a, ctx: Ctx) => cartTotals(await cartLines(cart, ctx)).count,
      subtotal: async (cart: CartView, _a, ctx: Ctx) => {
        const t = cartTotals(await cartLines(cart, ctx));
        return money(t.subtotal, t.currency);
      },
    },

    CartLine: {
      product: (l: CartLineView) => productRef(l.productId),
      unitPrice: (l: CartLineView) => money(l.unitPriceCents, l.currency),
      lineTotal: (l: CartLineView) => money(l.unitPriceCents * l.quantity, l.currency),
    },

    Order: {
      __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
        const order = await ctx.loaders.order.load(ref.id);
        if (order) assertCanSeeOrder(ctx.identity, order);
        return order;
      },
      customer: (o: OrderView, _a, ctx: Ctx) => ctx.loaders.customer.load(o.customerId),
      lines: (o: OrderView, _a, ctx: Ctx) => o.lines ?? ctx.loaders.orderLines.load(o.id),
      history: (o: OrderView, _a, ctx: Ctx) => o.history ?? ctx.loaders.history.load(o.id),
      subtotal: (o: OrderView) => money(o.subtotalCents, o.currency),
      total: (o: OrderView) => money(o.totalCents, o.currency),
      shippingAddress: (o: OrderView): AddressFields => o.shippingAddress,
      billingAddress: (o: OrderView): AddressFields => o.billingAddress,
      paymentMethod: (o: OrderView) => ({ brand: o.paymentBrand, last4: o.paymentLast4 }),
    },

    OrderLine: {
      product: (l: OrderLineView) => productRef(l.productId),
      unitPrice: (l: OrderLineView) => money(l.unitPriceCents, l.currency),
      lineTotal: (l: OrderLineView) => money(l.unitPriceCents * l.quantity, l.currency),
    },
  } as GraphQLResolverMap<Ctx>;
}
