import type { LazyConnection } from '../kit';
import type { Product } from './domain/types';

/** What the products resolver returns for a ProductConnection: thunks over one page query. */
export type ProductConnectionModel = LazyConnection<Product>;
