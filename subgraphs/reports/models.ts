/**
 * The parents reports' resolvers hand to graphql-js (codegen mappers in subgraphs/codegen-mappers.ts): the
 * figures behind a type are thunks, so that each statement runs only when a field needing it is
 * selected, and once per request however many fields need it. A saved report's figures are the same
 * shapes read from its snapshot instead of the read models.
 */
import type { LazyConnection } from '../kit';
import type {
  CategoryFigures,
  Channel,
  Figures,
  Period,
  ProductFigures,
  SalesSummary,
  SavedReport,
  Scope,
} from './domain/types';

/** A reference to another subgraph's entity (Store, Product, Category): its key only. */
export interface EntityRef {
  id: string;
}

export interface SalesReportModel {
  kind: 'SalesReport';
  period: Period;
  /** Null for the whole chain. */
  storeId: string | null;
  summary: () => Promise<SalesSummary>;
  byCategory: () => Promise<CategoryFigures[]>;
  topProducts: (limit: number) => Promise<ProductFigures[]>;
}

export interface StorePerformanceModel {
  kind: 'StorePerformance';
  period: Period;
  storeId: string;
  figures: () => Promise<Figures>;
}

export interface SalesStatsModel {
  period: Period;
  figures: Pick<ProductFigures, 'revenueCents' | 'unitsSold' | 'unitsReturned'>;
}

export interface DashboardModel {
  id: string;
  scope: Scope;
  /** Today in the chain's time zone. */
  date: string;
  figures: () => Promise<Record<Channel, Figures>>;
}

export type ReportConnectionModel = LazyConnection<SavedReport>;
