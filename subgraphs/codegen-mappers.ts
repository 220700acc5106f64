/**
 * What `npm run codegen` (scripts/codegen.ts) needs beyond the registry: per subgraph, the GraphQL
 * Code Generator mappers, GraphQL type -> the TypeScript type its resolvers receive as parent
 * ("path/relative/to/the/subgraph's/folder#Type"): a domain shape (domain/types.ts) or a resolver-
 * layer model (models.ts, e.g. the lazy connections). Nothing that runs reads this file.
 */
import type { ServiceName } from './kit/env';

export const CODEGEN_MAPPERS = {
  products: {
    Product: 'domain/types#Product',
    Category: 'domain/types#Category',
    PriceChange: 'domain/types#PriceChange',
    ProductConnection: 'models#ProductConnectionModel',
  },
  inventory: {
    Product: 'models#EntityRef',
    Store: 'models#EntityRef',
    Location: 'domain/types#Location',
    ProductStock: 'domain/levels#ProductStock',
    StockLevel: 'domain/levels#LevelWithLocation',
    StockLevelConnection: 'models#StockLevelConnectionModel',
    StockMovement: 'domain/types#StockMovement',
    StockMovementConnection: 'models#StockMovementConnectionModel',
    Reservation: 'domain/reservations#ReservationWithLines',
    ReservationLine: 'domain/types#ReservationLine',
    StockReturn: 'domain/returns#StockReturnWithLines',
    StockReturnLine: 'domain/types#StockReturnLine',
    ReplenishmentRequest: 'domain/types#ReplenishmentRequest',
    ReplenishmentLine: 'domain/types#ReplenishmentLine',
    ReplenishmentStatusChange: 'domain/types#ReplenishmentEvent',
    ReplenishmentRequestConnection: 'models#ReplenishmentRequestConnectionModel',
  },
  ecommerce: {
    Customer: 'domain/types#CustomerProfile',
    Address: 'domain/types#Address',
    Cart: 'domain/types#CartView',
    CartLine: 'domain/types#CartLine',
    Order: 'domain/types#OrderView',
    OrderLine: 'domain/types#OrderLine',
    OrderAddress: 'domain/types#AddressSnapshot',
    OrderStatusChange: 'domain/types#OrderStatusChange',
    OrderConnection: 'models#OrderConnectionModel',
  },
  retail: {
    Product: 'models#EntityRef',
    Store: 'domain/types#StoreView',
    OpeningHours: 'domain/types#OpeningHours',
    CashRegister: 'domain/types#CashRegister',
    RegisterSession: 'domain/types#RegisterSession',
    Employee: 'domain/types#EmployeeProfile',
    EmployeeConnection: 'models#EmployeeConnectionModel',
    Sale: 'domain/types#SaleView',
    SaleLine: 'domain/types#SaleLine',
    SaleConnection: 'models#SaleConnectionModel',
    RegisterSessionConnection: 'models#RegisterSessionConnectionModel',
    SaleReturn: 'domain/types#ReturnView',
    ReturnLine: 'domain/types#ReturnLine',
  },
  reports: {
    Product: 'models#EntityRef',
    Store: 'models#EntityRef',
    Category: 'models#EntityRef',
    SalesReport: 'models#SalesReportModel',
    StorePerformance: 'models#StorePerformanceModel',
    SalesStats: 'models#SalesStatsModel',
    Dashboard: 'models#DashboardModel',
    ReportPeriod: 'domain/types#Period',
    Report: 'domain/types#SavedReport',
    ReportConnection: 'models#ReportConnectionModel',
  },
} as const satisfies Record<ServiceName, Readonly<Record<string, string>>>;
