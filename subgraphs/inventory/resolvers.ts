import { Kind, type GraphQLResolveInfo } from 'graphql';
import {
  AccessDenied,
  checkFirst,
  DateTimeScalar,
  decodeCursor,
  encodeCursor,
  lazyConnection,
  requireFound,
  retainedEventsResolver,
  ServiceUnavailable,
  type Context,
} from '../kit';
import { adjustStock } from './domain/adjust';
import { dashboardOf } from './domain/dashboard';
import { available, isLow, productStock, suggestedQuantity, totalsStock } from './domain/levels';
import { ensureStoreLocation } from './domain/locations';
import {
  approveReplenishment,
  rejectReplenishment,
  replenishmentCount,
  replenishmentFilter,
  replenishmentPage,
  replenishmentRequestFor,
  requestReplenishment,
  type ReplenishmentResult,
} from './domain/replenishment';
import {
  commitReservation,
  releaseReservation,
  reserveStock,
  restockOrder,
  takeStock,
  type ReservationResult,
} from './domain/reservations';
import { returnStock } from './domain/returns';
import { allLocations, lowStock, movementCount, movementPage } from './domain/stock';
import type { InventoryContext } from './domain/context';
import type { Resolvers } from './generated/resolvers';
import { storeCountKey, storePageKey, type Loaders } from './loaders';
import {
  adjustmentOutcomes,
  replenishmentOutcomes,
  replenishmentSagas,
  reservationOutcomes,
  returnOutcomes,
} from './metrics';

type Ctx = Context<Loaders, InventoryContext>;

/** The outbox's retained events, for reports' rebuild (docs/events.md); SERVICE only. */
const retainedEvents = retainedEventsResolver('inventory');

const TOTAL_FIELDS = new Set(['onHand', 'reserved', 'available', '__typename']);

/**
 * True when the selection under Product.stock names only totals (no `levels`, no fragments): then a
 * per-product SUM is enough and the per-location rows need not be read.
 */
function selectsOnlyTotals(info: GraphQLResolveInfo | undefined): boolean {
  if (!info) return false;
  return info.fieldNodes.every((node) =>
    (node.selectionSet?.selections ?? []).every((sel) => sel.kind === Kind.FIELD && TOTAL_FIELDS.has(sel.name.value)),
  );
}

/** A saga step's payload, its outcome counted (the outcome itself stays out of the API). */
async function counted<O extends string>(ctx: Ctx, step: Promise<ReservationResult<O>>) {
  const { reservation, errors, outcome } = await step;
  reservationOutcomes(ctx.metrics).inc({ outcome });
  return { reservation, errors };
}

/** Outcomes of a replenishment that bring the request to rest (saga_outcomes_total{saga="replenishment"}). */
const SETTLED: Record<string, string> = { approved: 'completed', rejected: 'rejected' };

/**
 * A replenishment operation's payload, its outcome counted; a refusal the kit maps (FORBIDDEN,
 * SERVICE_UNAVAILABLE) is counted and passed on.
 */
async function replenished<O extends string>(
  ctx: Ctx,
  operation: 'request' | 'approve' | 'reject',
  step: () => Promise<ReplenishmentResult<O>>,
) {
  const outcomes = replenishmentOutcomes(ctx.metrics);
  try {
    const { request, errors, outcome } = await step();
    outcomes.inc({ operation, outcome });
    const settled = SETTLED[outcome];
    if (settled) replenishmentSagas(ctx.metrics).inc({ saga: 'replenishment', outcome: settled });
    return { request, errors };
  } catch (err) {
    if (err instanceof AccessDenied) outcomes.inc({ operation, outcome: 'forbidden' });
    if (err instanceof ServiceUnavailable) outcomes.inc({ operation, outcome: 'products_unavailable' });
    throw err;
  }
}

/** A row its foreign key guarantees; its absence is a bug, not a client error. */
const missing = (what: string) => () => new Error(`${what} is missing`);

export const resolvers = {
  DateTime: DateTimeScalar,

  Query: {
    locations: (_p, _a, ctx) => allLocations(ctx.domain),
    location: (_p, args, ctx) => ctx.loaders.locationById.load(args.id),
    lowStock: (_p, args, ctx) =>
      lowStock(ctx.domain, { first: checkFirst(args.first, 50), locationId: args.locationId ?? null }),
    stockMovements: (_p, args, ctx) => {
      const first = checkFirst(args.first, 20);
      // Movement cursors carry the bigint identity value, as a string.
      const beforeId = decodeCursor(args.after, ['bigint'])?.[0] ?? null;
      const filter = { productId: args.productId ?? null, locationId: args.locationId ?? null };
      return lazyConnection({
        rows: () => movementPage(ctx.domain, { filter, limit: first + 1, beforeId }),
        first,
        cursorOf: (m) => encodeCursor([m.id]),
        count: () => movementCount(ctx.domain, filter),
        hasPrevious: args.after != null,
      });
    },
    replenishmentRequests: (_p, args, ctx) => {
      // Each request carries its lines and history: pages stop at 25 (the router prices the rest).
      const first = checkFirst(args.first, 20, 25);
      // Request cursors carry the bigint seq, as a string.
      const beforeSeq = decodeCursor(args.after, ['bigint'])?.[0] ?? null;
      const filter = replenishmentFilter(ctx.domain, { storeId: args.storeId ?? null, status: args.status ?? null });
      return lazyConnection({
        rows: () => replenishmentPage(ctx.domain, { filter, limit: first + 1, beforeSeq }),
        first,
        cursorOf: (r) => encodeCursor([r.seq]),
        count: () => replenishmentCount(ctx.domain, filter),
        hasPrevious: args.after != null,
      });
    },
    // Through the request's DataLoader, so several requests by id in one operation cost one statement.
    replenishmentRequest: (_p, args, ctx) => replenishmentRequestFor(ctx.domain, args.id),
    // The outbox's retained events, for reports' rebuild (docs/events.md); SERVICE only.
    retainedEvents: (_p, args, ctx) => retainedEvents(_p, args, ctx.domain),
  },

  Mutation: {
    adjustStock: async (_p, args, ctx) => {
      const outcomes = adjustmentOutcomes(ctx.metrics);
      try {
        // Product ids are checked through the request's product loader (one `_entities` call per tick).
        const { level, errors, outcome } = await adjustStock(ctx.domain, args.input);
        outcomes.inc({ outcome });
        return { level, errors };
      } catch (err) {
        // The kit maps AccessDenied to FORBIDDEN and ServiceUnavailable to SERVICE_UNAVAILABLE; they
        // are only counted here.
        if (err instanceof AccessDenied) outcomes.inc({ outcome: 'forbidden' });
        if (err instanceof ServiceUnavailable) outcomes.inc({ outcome: 'products_unavailable' });
        throw err;
      }
    },
    reserveStock: (_p, args, ctx) => counted(ctx, reserveStock(ctx.domain, args.input)),
    takeStock: (_p, args, ctx) => counted(ctx, takeStock(ctx.domain, args.input)),
    commitReservation: (_p, args, ctx) => counted(ctx, commitReservation(ctx.domain, args.input)),
    releaseReservation: (_p, args, ctx) => counted(ctx, releaseReservation(ctx.domain, args.input)),
    restockOrder: (_p, args, ctx) => counted(ctx, restockOrder(ctx.domain, args.input)),
    returnStock: async (_p, args, ctx) => {
      // Product ids new to inventory are checked through the request's product loader (ADR 0015).
      const { stockReturn, errors, outcome } = await returnStock(ctx.domain, args.input);
      returnOutcomes(ctx.metrics).inc({ outcome });
      return { stockReturn, errors };
    },
    ensureStoreLocation: async (_p, args, ctx) => {
      const { location, errors } = await ensureStoreLocation(ctx.domain, args.input);
      return { location, errors };
    },
    requestReplenishment: (_p, args, ctx) =>
      replenished(ctx, 'request', () => requestReplenishment(ctx.domain, args.input)),
    approveReplenishment: (_p, args, ctx) =>
      replenished(ctx, 'approve', () => approveReplenishment(ctx.domain, args.input)),
    rejectReplenishment: (_p, args, ctx) =>
      replenished(ctx, 'reject', () => rejectReplenishment(ctx.domain, args.input)),
  },

  Product: {
    __resolveReference: (ref) => ({ id: ref.id }),
    stock: async (product, _a, ctx, info) =>
      selectsOnlyTotals(info)
        ? totalsStock(await ctx.loaders.totalsByProduct.load(product.id))
        : productStock(await ctx.loaders.levelsByProduct.load(product.id)),
  },

  Store: {
    __resolveReference: (ref) => ({ id: ref.id }),
    stock: (store, args, ctx) => {
      const first = checkFirst(args.first, 20);
      const lowOnly = args.lowOnly ?? false;
      const afterProductId = decodeCursor(args.after, ['string'])?.[0] ?? null;
      return lazyConnection({
        rows: async () => {
          const page = await ctx.loaders.storePage.load(
            storePageKey({ storeId: store.id, limit: first + 1, afterProductId, lowOnly }),
          );
          return page?.rows ?? [];
        },
        first,
        cursorOf: (level) => encodeCursor([level.productId]),
        count: async () => (await ctx.loaders.storeCount.load(storeCountKey(store.id, lowOnly)))?.count ?? 0,
        hasPrevious: afterProductId !== null,
      });
    },
  },

  Dashboard: {
    // dashboardOf is async, so a refusal fails this one entity of an `_entities` batch, not the batch.
    __resolveReference: (ref, ctx) => dashboardOf(ctx.domain, ref.id),
  },

  Location: {
    __resolveReference: (ref, ctx) => ctx.loaders.locationById.load(ref.id),
    store: (location) => (location.kind === 'STORE' && location.storeId ? { id: location.storeId } : null),
  },

  StockLevel: {
    id: (level) => `${level.productId}@${level.locationId}`,
    product: (level) => ({ id: level.productId }),
    available: (level) => available(level),
    belowReorderPoint: (level) => isLow(level),
    suggestedQuantity: (level) => suggestedQuantity(level),
  },

  StockMovement: {
    product: (m) => ({ id: m.productId }),
    location: async (m, _a, ctx) =>
      requireFound(
        await ctx.loaders.locationById.load(m.locationId),
        missing(`location ${m.locationId} of movement ${m.id}`),
      ),
  },

  Reservation: {
    location: (r, _a, ctx) => (r.locationId ? ctx.loaders.locationById.load(r.locationId) : null),
  },

  ReservationLine: {
    product: (line) => ({ id: line.productId }),
  },

  StockReturn: {
    location: async (r, _a, ctx) =>
      requireFound(
        await ctx.loaders.locationById.load(r.locationId),
        missing(`location ${r.locationId} of return ${r.returnId}`),
      ),
  },

  StockReturnLine: {
    product: (line) => ({ id: line.productId }),
  },

  ReplenishmentRequest: {
    store: (r) => ({ id: r.storeId }),
    source: async (r, _a, ctx) =>
      requireFound(
        await ctx.loaders.locationById.load(r.sourceLocationId),
        missing(`source location of request ${r.id}`),
      ),
    destination: async (r, _a, ctx) =>
      requireFound(
        await ctx.loaders.locationById.load(r.destinationLocationId),
        missing(`destination location of request ${r.id}`),
      ),
    lines: (r, _a, ctx) => ctx.loaders.replenishmentLines.load(r.id),
    history: (r, _a, ctx) => ctx.loaders.replenishmentHistory.load(r.id),
  },

  ReplenishmentLine: {
    product: (line) => ({ id: line.productId }),
  },

  ReplenishmentStatusChange: {
    at: (change) => change.createdAt,
  },
} satisfies Resolvers<Ctx>;
