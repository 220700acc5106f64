import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { GraphQLError, GraphQLScalarType, Kind, type GraphQLResolveInfo } from 'graphql';
import {
  badInput,
  checkFirst,
  decodeCursor,
  encodeCursor,
  forbidden,
  toConnection,
  unauthenticated,
  type Context,
  type Identity,
} from '../kit';
import { AccessDenied, actorName } from './domain/access';
import { adjustStock, type AdjustmentReason } from './domain/adjust';
import { inventoryMetrics } from './domain/metrics';
import { commitReservation, releaseReservation, reserveStock } from './domain/reservations';
import { restockOrder } from './domain/restock';
import { allLocations, lowStock, movementCount, movementPage, type MovementFilter } from './domain/stock';
import {
  available,
  isLow,
  productStock,
  type LevelView,
  type LocationView,
  type MovementView,
  type ReservationView,
} from './domain/views';
import { storeCountKey, storePageKey, type Loaders } from './loaders';

type Ctx = Context<Loaders>;

const TOTAL_FIELDS = new Set(['onHand', 'reserved', 'available', '__typename']);

/**
 * True when the selection under Product.stock names only totals (no `levels`, no fragments): then a
 * per-product SUM is enough and the per-location rows need not be read.
 */
function selectsOnlyTotals(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.every((node) =>
    (node.selectionSet?.selections ?? []).every((sel) => sel.kind === Kind.FIELD && TOTAL_FIELDS.has(sel.name.value)),
  );
}

function invalidDate(value: unknown): GraphQLError {
  return new GraphQLError(`DateTime must be an ISO 8601 string; got ${JSON.stringify(value)}`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'A point in time as an ISO 8601 string in UTC, e.g. "2026-01-31T14:05:00.000Z".',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'string') return new Date(value).toISOString();
    throw invalidDate(value);
  },
  parseValue(value) {
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw invalidDate(value);
    return date;
  },
  parseLiteral(ast) {
    const date = ast.kind === Kind.STRING ? new Date(ast.value) : null;
    if (!date || Number.isNaN(date.getTime())) throw invalidDate(ast.kind === Kind.STRING ? ast.value : ast.kind);
    return date;
  },
});

/** The rules guarantee an identity on ruled fields; this keeps TypeScript and a misconfiguration honest. */
function caller(ctx: Ctx): Identity {
  if (!ctx.identity) throw unauthenticated();
  return ctx.identity;
}

function afterKey(after: string | null | undefined): string | null {
  const decoded = decodeCursor(after, ['string']);
  return decoded === null ? null : decoded[0];
}

interface StoreStockArgs {
  first?: number | null;
  after?: string | null;
  lowOnly?: boolean | null;
}

interface MovementArgs {
  productId?: string | null;
  locationId?: string | null;
  first?: number | null;
  after?: string | null;
}

export const resolvers: GraphQLResolverMap<Ctx> = {
  DateTime,

  Query: {
    locations: (_p: unknown, _a: unknown, ctx: Ctx) => allLocations(ctx.em),
    location: (_p: unknown, args: { id: string }, ctx: Ctx) => ctx.loaders.locationById.load(args.id),
    lowStock: (_p: unknown, args: { first?: number | null; locationId?: string | null }, ctx: Ctx) =>
      lowStock(ctx.em, checkFirst(args.first, 50), args.locationId ?? null),
    stockMovements: async (_p: unknown, args: MovementArgs, ctx: Ctx) => {
      const first = checkFirst(args.first, 20);
      const filter: MovementFilter = { productId: args.productId ?? null, locationId: args.locationId ?? null };
      const beforeId = afterKey(args.after);
      // Movement cursors carry the numeric identity value; anything else was not issued here.
      if (beforeId !== null && !/^\d{1,19}$/.test(beforeId)) {
        throw badInput('"after" is not a cursor returned by this API', { argument: 'after' });
      }
      const rows = await movementPage(ctx.em, filter, first + 1, beforeId);
      return toConnection(
        rows,
        first,
        (m) => encodeCursor([m.id]),
        () => movementCount(ctx.em, filter),
        args.after != null,
      );
    },
  },

  Mutation: {
    adjustStock: async (
      _p: unknown,
      args: {
        input: {
          productId: string;
          locationId: string;
          delta: number;
          reason?: AdjustmentReason | null;
          note?: string | null;
        };
      },
      ctx: Ctx,
    ) => {
      const { input } = args;
      const counter = inventoryMetrics(ctx.metrics).adjustments;
      try {
        const result = await adjustStock(ctx.em, caller(ctx), {
          productId: input.productId,
          locationId: input.locationId,
          delta: input.delta,
          reason: input.reason ?? 'ADJUSTMENT',
          note: input.note ?? null,
        });
        counter.inc({ outcome: result.outcome });
        return { level: result.level, errors: result.errors };
      } catch (err) {
        if (err instanceof AccessDenied) {
          counter.inc({ outcome: 'forbidden' });
          throw forbidden(err.message);
        }
        throw err;
      }
    },

    reserveStock: async (
      _p: unknown,
      args: {
        input: {
          orderId: string;
          locationId?: string | null;
          lines: { productId: string; quantity: number }[];
          ttlSeconds?: number | null;
        };
      },
      ctx: Ctx,
    ) => {
      const { input } = args;
      const result = await reserveStock(ctx.em, actorName(caller(ctx)), {
        orderId: input.orderId,
        locationId: input.locationId ?? null,
        lines: input.lines,
        ttlSeconds: input.ttlSeconds ?? null,
      });
      inventoryMetrics(ctx.metrics).reservations.inc({ outcome: result.outcome });
      return { reservation: result.reservation, errors: result.errors };
    },

    commitReservation: async (_p: unknown, args: { input: { orderId: string } }, ctx: Ctx) => {
      const result = await commitReservation(ctx.em, actorName(caller(ctx)), args.input.orderId);
      inventoryMetrics(ctx.metrics).reservations.inc({ outcome: result.outcome });
      return { reservation: result.reservation, errors: result.errors };
    },

    releaseReservation: async (_p: unknown, args: { input: { orderId: string; reason?: string | null } }, ctx: Ctx) => {
      const result = await releaseReservation(ctx.em, actorName(caller(ctx)), {
        orderId: args.input.orderId,
        reason: args.input.reason ?? null,
      });
      inventoryMetrics(ctx.metrics).reservations.inc({ outcome: result.outcome });
      return { reservation: result.reservation, errors: result.errors };
    },

    restockOrder: async (_p: unknown, args: { input: { orderId: string; reason?: string | null } }, ctx: Ctx) => {
      const result = await restockOrder(ctx.em, actorName(caller(ctx)), {
        orderId: args.input.orderId,
        reason: args.input.reason ?? null,
      });
      inventoryMetrics(ctx.metrics).reservations.inc({ outcome: result.outcome });
      return { reservation: result.reservation, errors: result.errors };
    },
  },

  Product: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    stock: async (product: { id: string }, _a: unknown, ctx: Ctx, info: GraphQLResolveInfo) => {
      if (selectsOnlyTotals(info)) {
        const totals = await ctx.loaders.totalsByProduct.load(product.id);
        const onHand = totals?.onHand ?? 0;
        const reserved = totals?.reserved ?? 0;
        return { onHand, reserved, available: onHand - reserved, levels: [] };
      }
      return productStock(await ctx.loaders.levelsByProduct.load(product.id));
    },
  },

  Store: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    stock: async (store: { id: string }, args: StoreStockArgs, ctx: Ctx) => {
      const first = checkFirst(args.first, 20);
      const lowOnly = args.lowOnly ?? false;
      const afterProductId = afterKey(args.after);
      const page = await ctx.loaders.storePage.load(
        storePageKey({ storeId: store.id, limit: first + 1, afterProductId, lowOnly }),
      );
      return toConnection(
        page?.rows ?? [],
        first,
        (level) => encodeCursor([level.productId]),
        async () => (await ctx.loaders.storeCount.load(storeCountKey(store.id, lowOnly)))?.count ?? 0,
        afterProductId !== null,
      );
    },
  },

  Location: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.locationById.load(ref.id),
    store: (location: LocationView) =>
      location.kind === 'STORE' && location.storeId ? { __typename: 'Store', id: location.storeId } : null,
  },

  StockLevel: {
    id: (level: LevelView) => `${level.productId}@${level.locationId}`,
    product: (level: LevelView) => ({ __typename: 'Product', id: level.productId }),
    available: (level: LevelView) => available(level),
    belowReorderPoint: (level: LevelView) => isLow(level),
  },

  StockMovement: {
    product: (m: MovementView) => ({ __typename: 'Product', id: m.productId }),
    location: (m: MovementView, _a: unknown, ctx: Ctx) => ctx.loaders.locationById.load(m.locationId),
  },

  Reservation: {
    location: (r: ReservationView, _a: unknown, ctx: Ctx) =>
      r.locationId ? ctx.loaders.locationById.load(r.locationId) : null,
  },

  ReservationLine: {
    product: (line: { productId: string }) => ({ __typename: 'Product', id: line.productId }),
  },
};
