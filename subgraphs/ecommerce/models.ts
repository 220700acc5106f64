import type { LazyConnection } from '../kit';
import type { OrderView } from './domain/types';

/** What Query.orders and Customer.orders return: thunks over one page query and one COUNT. */
export type OrderConnectionModel = LazyConnection<OrderView>;
