import {
  checkFirst,
  DateScalar,
  DateTimeScalar,
  DecimalScalar,
  decodeCursor,
  encodeCursor,
  lazyConnection,
  money,
  type Context,
  type DbContext,
} from '../kit';
import type { ReportsConfig } from './config';
import { assertCanReadScope, assertCanReadStore, keyOfScope, readScope, scopeOfKey } from './domain/access';
import { chainDay, checkPeriod } from './domain/calendar';
import {
  averageBasketCents,
  categoryFigures,
  dayFigures,
  dayRevenueCents,
  NO_PRODUCT_SALES,
  returnsRate,
  salesSummary,
  topProducts,
  topProductsLimit,
  ZERO,
} from './domain/queries';
import {
  countReports,
  generateReport,
  reportsPage,
  snapshotOf,
  visibleReport,
  type ReportSnapshot,
} from './domain/saved-reports';
import type { Figures, Period, SavedReport, Scope } from './domain/types';
import type { Resolvers } from './generated/resolvers';
import type { ReportsLoaders } from './loaders';
import type { DashboardModel, SalesReportModel, StorePerformanceModel } from './models';

type Ctx = Context<ReportsLoaders>;

/** The process-wide collaborators of the resolvers. */
export interface ResolverServices {
  config: Pick<ReportsConfig, 'currency'>;
  /** Wakes the report job after a request (it also runs on its timer). */
  nudgeReportJob: () => void;
}

const ref = (id: string) => ({ id });

/** Memoises a thunk: the statement behind it runs once per request, whichever fields need it. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/** A live report: its three statements (summary, categories, top products) each run only if selected. */
function liveSalesReport(ctx: DbContext, period: Period, scope: Scope): SalesReportModel {
  const tops = new Map<number, Promise<Awaited<ReturnType<typeof topProducts>>>>();
  return {
    kind: 'SalesReport',
    period,
    storeId: scope.kind === 'store' ? scope.storeId : null,
    summary: once(() => salesSummary(ctx, { period, scope })),
    byCategory: once(() => categoryFigures(ctx, { period, scope })),
    topProducts: (limit) => {
      let p = tops.get(limit);
      if (!p) {
        p = topProducts(ctx, { period, scope, limit });
        tops.set(limit, p);
      }
      return p;
    },
  };
}

/** A READY report's figures, read from its snapshot (no statement). */
function snapshotModel(report: SavedReport, snapshot: ReportSnapshot): SalesReportModel | StorePerformanceModel {
  const period = { from: report.periodFrom, to: report.periodTo };
  if (snapshot.type === 'STORE_PERFORMANCE') {
    const data = snapshot.data;
    return { kind: 'StorePerformance', period, storeId: data.storeId, figures: async () => data.figures };
  }
  const data = snapshot.data;
  return {
    kind: 'SalesReport',
    period,
    storeId: report.storeId,
    summary: async () => data,
    byCategory: async () => data.byCategory,
    topProducts: async (limit) => data.topProducts.slice(0, limit),
  };
}

function dashboardModel(ctx: DbContext, scope: Scope): DashboardModel {
  const date = chainDay(new Date());
  return { id: keyOfScope(scope), scope, date, figures: once(() => dayFigures(ctx, { day: date, scope })) };
}

/**
 * Thin: arguments are checked and converted here (periods, limits, cursors), the domain reads and
 * writes, and figures in minor units become Money in the reporting currency.
 */
export function createResolvers(services: () => ResolverServices) {
  const m = (cents: number) => money(cents, services().config.currency);
  const performanceOf = (f: Figures) => ({
    revenue: m(f.revenueCents),
    transactions: f.transactions,
    unitsSold: f.unitsSold,
    averageBasket: m(averageBasketCents(f)),
    returns: f.returns,
    refunds: m(f.refundCents),
    returnsRate: returnsRate(f),
  });

  return {
    Date: DateScalar,
    DateTime: DateTimeScalar,
    Decimal: DecimalScalar,

    Query: {
      salesReport: (_p, args, ctx) => {
        const period = checkPeriod(args.period);
        return liveSalesReport(ctx.domain, period, readScope(ctx.domain, args.storeId));
      },
      dashboard: (_p, args, ctx) => dashboardModel(ctx.domain, readScope(ctx.domain, args.storeId)),
      reports: (_p, args, ctx) => {
        const first = checkFirst(args.first);
        const cursor = decodeCursor(args.after, ['bigint']);
        // ADMIN: every report; a MANAGER: their store's.
        const filter = { scope: readScope(ctx.domain, null), status: args.status ?? null };
        return lazyConnection({
          rows: () => reportsPage(ctx.domain, { filter, first, beforeSeq: cursor ? cursor[0] : null }),
          first,
          cursorOf: (r) => encodeCursor([r.seq]),
          count: () => countReports(ctx.domain, filter),
          hasPrevious: cursor !== null,
        });
      },
      report: async (_p, args, ctx) => visibleReport(ctx.domain, await ctx.loaders.report.load(args.id)),
    },

    Mutation: {
      generateReport: async (_p, { input }, ctx) => {
        const result = await generateReport(ctx.domain, input);
        if (result.report) services().nudgeReportJob();
        return result;
      },
    },

    SalesReport: {
      period: (r) => r.period,
      store: (r) => (r.storeId === null ? null : ref(r.storeId)),
      revenue: async (r) => m((await r.summary()).totals.revenueCents),
      transactions: async (r) => (await r.summary()).totals.transactions,
      unitsSold: async (r) => (await r.summary()).totals.unitsSold,
      averageBasket: async (r) => m(averageBasketCents((await r.summary()).totals)),
      returns: async (r) => (await r.summary()).totals.returns,
      byChannel: async (r) =>
        (await r.summary()).byChannel.map((c) => ({
          channel: c.channel,
          revenue: m(c.revenueCents),
          transactions: c.transactions,
          unitsSold: c.unitsSold,
        })),
      byStore: async (r) =>
        (await r.summary()).byStore.map((s) => ({
          store: ref(s.storeId),
          revenue: m(s.revenueCents),
          transactions: s.transactions,
          unitsSold: s.unitsSold,
          returns: s.returns,
        })),
      byCategory: async (r) =>
        (await r.byCategory()).map((c) => ({
          category: c.categoryId === null ? null : ref(c.categoryId),
          revenue: m(c.revenueCents),
          unitsSold: c.unitsSold,
        })),
      topProducts: async (r, args) =>
        (await r.topProducts(topProductsLimit(args.limit))).map((p) => ({
          product: ref(p.productId),
          unitsSold: p.unitsSold,
          revenue: m(p.revenueCents),
        })),
      daily: async (r) =>
        (await r.summary()).daily.map((d) => ({
          date: d.date,
          revenue: m(d.revenueCents),
          transactions: d.transactions,
          unitsSold: d.unitsSold,
        })),
    },

    StorePerformance: {
      period: (p) => p.period,
      store: (p) => ref(p.storeId),
      revenue: async (p) => performanceOf(await p.figures()).revenue,
      transactions: async (p) => (await p.figures()).transactions,
      unitsSold: async (p) => (await p.figures()).unitsSold,
      averageBasket: async (p) => performanceOf(await p.figures()).averageBasket,
      returns: async (p) => (await p.figures()).returns,
      refunds: async (p) => performanceOf(await p.figures()).refunds,
      returnsRate: async (p) => returnsRate(await p.figures()),
    },

    SalesStats: {
      revenue: (s) => m(s.figures.revenueCents),
      unitsSold: (s) => s.figures.unitsSold,
      unitsReturned: (s) => s.figures.unitsReturned,
    },

    Dashboard: {
      // Async so that a refusal fails this one entity of an `_entities` batch, not the whole batch.
      __resolveReference: async (r, ctx) => {
        const scope = scopeOfKey(r.id);
        assertCanReadScope(ctx.domain, scope);
        return dashboardModel(ctx.domain, scope);
      },
      revenueToday: async (d) => m(dayRevenueCents(await d.figures())),
      ordersToday: async (d) => (await d.figures()).ONLINE.transactions,
      salesToday: async (d) => (await d.figures()).STORE.transactions,
    },

    Store: {
      __resolveReference: (r) => ref(r.id),
      performance: (store, args, ctx) => {
        const period = checkPeriod(args.period);
        assertCanReadStore(ctx.domain, store.id);
        const load = once(async () => (await ctx.loaders.storeFigures(period).load(store.id)) ?? ZERO);
        return { kind: 'StorePerformance' as const, period, storeId: store.id, figures: load };
      },
    },

    Product: {
      __resolveReference: (r) => ref(r.id),
      salesStats: async (product, args, ctx) => {
        const period = checkPeriod(args.period);
        const found = await ctx.loaders.productFigures(period, readScope(ctx.domain, null)).load(product.id);
        return { period, figures: found ?? NO_PRODUCT_SALES };
      },
    },

    Report: {
      period: (r) => ({ from: r.periodFrom, to: r.periodTo }),
      store: (r) => (r.storeId === null ? null : ref(r.storeId)),
      data: (r) => {
        const snapshot = snapshotOf(r);
        return snapshot ? snapshotModel(r, snapshot) : null;
      },
    },

    ReportData: {
      __resolveType: (d) => d.kind,
    },
  } satisfies Resolvers<Ctx>;
}
