import {
  badInput,
  checkFirst,
  DateScalar,
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
import type { ProductSource } from '../kit/clients';
import type { InventoryPort } from '../kit/domain';
import type { RetailConfig } from './config';
import { assertCanReadStore, signedInEmployeeId, visibleEmployee, visibleInStore } from './domain/access';
import { cancelSale } from './domain/cancel';
import type { RetailContext } from './domain/context';
import { employeeFilter, saleFilter, saleOfReceipt } from './domain/queries';
import {
  allStores,
  countEmployees,
  countRegisterSessions,
  countSales,
  employeesPage,
  registerSessionsPage,
  salesPage,
} from './domain/reads';
import { refundCurrency, returnSale } from './domain/returns';
import { recordSale } from './domain/sales';
import { cashFigures, closeRegister, historyRegister, openRegister } from './domain/sessions';
import {
  changeEmployeeRole,
  createEmployee,
  deactivateEmployee,
  staffLogin,
  type EmployeeResult,
} from './domain/staff';
import { addCashRegister, createStore, updateStore } from './domain/stores';
import type { RegisterSession } from './domain/types';
import type { QueryEmployeesArgs, QueryRegisterSessionsArgs, QuerySalesArgs, Resolvers } from './generated/resolvers';
import type { RetailLoaders } from './loaders';
import type { EmployeeConnectionModel, RegisterSessionConnectionModel, SaleConnectionModel } from './models';

type Ctx = Context<RetailLoaders, RetailContext>;

/** The outbox's retained events, for reports' rebuild (docs/events.md); SERVICE only. */
const retainedEvents = retainedEventsResolver('retail');

/** The process-wide collaborators of the resolvers: configuration and the adapters of the domain's ports. */
export interface ResolverServices {
  config: RetailConfig;
  products: ProductSource;
  inventory: InventoryPort;
}

const productRef = (id: string) => ({ __typename: 'Product' as const, id });

/** Staff by name as a Relay connection; its page query and COUNT run only when selected. */
function employeeConnection(ctx: Ctx, args: QueryEmployeesArgs): EmployeeConnectionModel {
  const filter = employeeFilter(ctx.domain, args.storeId, args.includeInactive ?? false);
  const first = checkFirst(args.first);
  const after = decodeCursor(args.after, ['string', 'string']);
  return lazyConnection({
    rows: () => employeesPage(ctx.domain, { filter, first, after }),
    first,
    cursorOf: (e) => encodeCursor([e.name, e.id]),
    count: () => countEmployees(ctx.domain, filter),
    hasPrevious: after !== null,
  });
}

/** A store's sales newest recorded first, lazy in the same way. */
async function saleConnection(ctx: Ctx, args: QuerySalesArgs): Promise<SaleConnectionModel> {
  const first = checkFirst(args.first);
  const cursor = decodeCursor(args.after, ['int']);
  const afterSeq = cursor ? cursor[0] : null;
  const filter = await saleFilter(ctx.domain, args.storeId, args.period);
  return lazyConnection({
    rows: () => salesPage(ctx.domain, { filter, first, afterSeq }),
    first,
    cursorOf: (s) => encodeCursor([s.seq]),
    count: () => countSales(ctx.domain, filter),
    hasPrevious: cursor !== null,
  });
}

/** A register's sessions newest opened first, lazy in the same way (nothing for an unknown register). */
async function sessionConnection(ctx: Ctx, args: QueryRegisterSessionsArgs): Promise<RegisterSessionConnectionModel> {
  const first = checkFirst(args.first);
  const cursor = decodeCursor(args.after, ['int', 'string']);
  const after = cursor ? { openedAt: new Date(cursor[0]), id: cursor[1] } : null;
  // A safe integer can still lie beyond the last instant a Date holds: an edited cursor, not SQL's problem.
  if (after && Number.isNaN(after.openedAt.getTime())) {
    throw badInput('"after" is not a cursor returned by this API', { argument: 'after' });
  }
  const register = await historyRegister(ctx.domain, args.registerId);
  return lazyConnection({
    rows: async () => (register ? registerSessionsPage(ctx.domain, { registerId: register.id, first, after }) : []),
    first,
    cursorOf: (s) => encodeCursor([s.openedAt.getTime(), s.id]),
    count: async () => (register ? countRegisterSessions(ctx.domain, register.id) : 0),
    hasPrevious: cursor !== null,
  });
}

/** A session's figures (domain/sessions.ts); the running ones read through the request's loader. */
const figures = (session: RegisterSession, ctx: Ctx) =>
  cashFigures(session, () => ctx.loaders.sessionTotals.load(session.id));

export function createResolvers(services: () => ResolverServices) {
  /** staffLogin answers with a staff JWT for the account the domain returned: role and store in its claims. */
  const withToken = (result: EmployeeResult) => {
    const e = result.employee;
    return {
      ...result,
      token: e
        ? signToken(
            { sub: e.id, role: e.role, ...(e.storeId ? { storeId: e.storeId } : {}) },
            services().config.staffTokenTtlSeconds,
          )
        : null,
    };
  };
  /** Someone named on a row the caller may read (who sold, opened, returned): shown without a further check. */
  const person = (sub: string | null, ctx: Ctx) => (sub ? ctx.loaders.employee.load(sub) : null);

  return {
    Decimal: DecimalScalar,
    Date: DateScalar,
    DateTime: DateTimeScalar,

    Query: {
      stores: (_p, args, ctx) => allStores(ctx.domain, args.includeInactive ?? false),
      store: (_p, { id }, ctx) => ctx.loaders.store.load(id),
      currentEmployee: (_p, _a, ctx) => {
        const id = signedInEmployeeId(ctx.domain);
        return id ? ctx.loaders.employee.load(id) : null;
      },
      employee: async (_p, { id }, ctx) => visibleEmployee(ctx.domain, await ctx.loaders.employee.load(id)),
      employees: (_p, args, ctx) => employeeConnection(ctx, args),
      sales: (_p, args, ctx) => saleConnection(ctx, args),
      sale: async (_p, { id }, ctx) => visibleInStore(ctx.domain, await ctx.loaders.sale.load(id)),
      saleByNumber: (_p, { number }, ctx) => saleOfReceipt(ctx.domain, number),
      registerSessions: (_p, args, ctx) => sessionConnection(ctx, args),
      retainedEvents: (_p, args, ctx) => retainedEvents(_p, args, ctx.domain),
    },

    Mutation: {
      staffLogin: async (_p, { input }, ctx) => withToken(await staffLogin(ctx.domain, input)),
      createEmployee: (_p, { input }, ctx) => createEmployee(ctx.domain, input),
      deactivateEmployee: (_p, { input }, ctx) => deactivateEmployee(ctx.domain, input),
      changeEmployeeRole: (_p, { input }, ctx) => changeEmployeeRole(ctx.domain, input),
      createStore: (_p, { input }, ctx) => createStore(ctx.domain, input),
      updateStore: (_p, { input }, ctx) => updateStore(ctx.domain, input),
      addCashRegister: (_p, { input }, ctx) => addCashRegister(ctx.domain, input),
      openRegister: (_p, { input }, ctx) => openRegister(ctx.domain, input),
      closeRegister: (_p, { input }, ctx) => closeRegister(ctx.domain, input),
      recordSale: (_p, { input }, ctx) => recordSale(ctx.domain, input),
      cancelSale: (_p, { input }, ctx) => cancelSale(ctx.domain, input),
      returnSale: (_p, { input }, ctx) => returnSale(ctx.domain, input),
    },

    Store: {
      __resolveReference: (ref, ctx) => ctx.loaders.store.load(ref.id),
      manager: async (store, _a, ctx) =>
        store.managerId ? visibleEmployee(ctx.domain, await ctx.loaders.employee.load(store.managerId)) : null,
      registers: (store, _a, ctx) => ctx.loaders.storeRegisters.load(store.id),
    },

    CashRegister: {
      // cash_registers.store_id references stores(id): a missing row is a broken database (so below).
      store: async (register, _a, ctx) =>
        requireFound(
          await ctx.loaders.store.load(register.storeId),
          () => new Error(`register ${register.id} has no store ${register.storeId}`),
        ),
      currentSession: (register, _a, ctx) => {
        assertCanReadStore(ctx.domain, register.storeId);
        return ctx.loaders.openSession.load(register.id);
      },
    },

    RegisterSession: {
      register: async (session, _a, ctx) =>
        requireFound(
          await ctx.loaders.register.load(session.registerId),
          () => new Error(`session ${session.id} has no register ${session.registerId}`),
        ),
      openedBy: (session, _a, ctx) => person(session.openedBy, ctx),
      closedBy: (session, _a, ctx) => person(session.closedBy, ctx),
      openingFloat: (session) => money(session.openingFloatCents, session.currency),
      cashSales: async (session, _a, ctx) => money((await figures(session, ctx)).cashSalesCents, session.currency),
      cashRefunds: async (session, _a, ctx) => money((await figures(session, ctx)).cashRefundsCents, session.currency),
      expectedCash: async (session, _a, ctx) =>
        money((await figures(session, ctx)).expectedCashCents, session.currency),
      countedCash: (session) =>
        session.countedCashCents === null ? null : money(session.countedCashCents, session.currency),
      difference: (session) =>
        session.differenceCents === null ? null : money(session.differenceCents, session.currency),
      salesCount: async (session, _a, ctx) => (await figures(session, ctx)).salesCount,
    },

    Employee: {
      // Another subgraph may reference an employee: visible to their store and head office only.
      // Async so that a refusal fails this one entity of an `_entities` batch, not the whole batch.
      __resolveReference: async (ref, ctx) => visibleEmployee(ctx.domain, await ctx.loaders.employee.load(ref.id)),
      store: (employee, _a, ctx) => (employee.storeId ? ctx.loaders.store.load(employee.storeId) : null),
    },

    Sale: {
      // Async so that a refusal fails this one entity of an `_entities` batch, not the whole batch.
      __resolveReference: async (ref, ctx) => visibleInStore(ctx.domain, await ctx.loaders.sale.load(ref.id)),
      store: async (sale, _a, ctx) =>
        requireFound(
          await ctx.loaders.store.load(sale.storeId),
          () => new Error(`sale ${sale.id} has no store ${sale.storeId}`),
        ),
      register: async (sale, _a, ctx) =>
        requireFound(
          await ctx.loaders.register.load(sale.registerId),
          () => new Error(`sale ${sale.id} has no register ${sale.registerId}`),
        ),
      soldBy: (sale, _a, ctx) => person(sale.soldBy, ctx),
      lines: (sale, _a, ctx) => sale.lines ?? ctx.loaders.saleLines.load(sale.id),
      total: (sale) => money(sale.totalCents, sale.currency),
      returns: (sale, _a, ctx) => ctx.loaders.saleReturns.load(sale.id),
    },

    SaleLine: {
      product: (line) => productRef(line.productId),
      unitPrice: (line) => money(line.unitPriceCents, line.currency),
      lineTotal: (line) => money(lineTotalCents(line), line.currency),
    },

    SaleReturn: {
      sale: async (ret, _a, ctx) =>
        requireFound(
          await ctx.loaders.sale.load(ret.saleId),
          () => new Error(`return ${ret.id} has no sale ${ret.saleId}`),
        ),
      lines: (ret, _a, ctx) => ret.lines ?? ctx.loaders.returnLines.load(ret.id),
      refund: (ret) => money(ret.refundCents, ret.currency),
      register: async (ret, _a, ctx) =>
        requireFound(
          await ctx.loaders.register.load(ret.registerId),
          () => new Error(`return ${ret.id} has no register ${ret.registerId}`),
        ),
      returnedBy: (ret, _a, ctx) => person(ret.returnedBy, ctx),
    },

    ReturnLine: {
      saleLine: async (line, _a, ctx) =>
        requireFound(
          await ctx.loaders.saleLine.load(line.saleLineId),
          () => new Error(`return line ${line.id} has no sale line ${line.saleLineId}`),
        ),
      product: (line) => productRef(line.productId),
      // The currency of the sale line the units come from (batched with saleLine).
      refund: async (line, _a, ctx) =>
        money(line.refundCents, refundCurrency(await ctx.loaders.saleLine.load(line.saleLineId))),
    },
  } satisfies Resolvers<Ctx>;
}
