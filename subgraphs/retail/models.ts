import type { LazyConnection } from '../kit';
import type { EmployeeProfile, RegisterSession, Sale } from './domain/types';

/**
 * Parent types of the resolver layer that are not domain shapes (codegen mappers in subgraphs/codegen-mappers.ts, npm run codegen).
 */

/** An entity another subgraph owns (Product), as retail knows it: by its key. */
export interface EntityRef {
  id: string;
}

/** Query.employees: edges and pageInfo share one page query, totalCount runs only when selected. */
export type EmployeeConnectionModel = LazyConnection<EmployeeProfile>;

/** Query.sales, lazy in the same way. */
export type SaleConnectionModel = LazyConnection<Sale>;

/** Query.registerSessions, lazy in the same way. */
export type RegisterSessionConnectionModel = LazyConnection<RegisterSession>;
