import { runSubgraphProcess } from '../kit';
import { service } from './server';

/** Entry point: `tsx subgraphs/products/index.ts` (PORT, PRODUCTS_DATABASE_URL or DATABASE_URL, SEED_DEMO=1). */
runSubgraphProcess(service);
