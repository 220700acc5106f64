/**
 * Entry point: `tsx subgraphs/ecommerce/index.ts`. Reads PORT, ECOMMERCE_DATABASE_URL or DATABASE_URL
 * and SEED_DEMO=1 (the kit's runSubgraphProcess), PRODUCTS_URL, INVENTORY_URL (comma-separated
 * replicas) and the saga settings of config.ts; README.md lists them all.
 */
import { runSubgraphProcess } from '../kit';
import { service } from './server';

runSubgraphProcess(service);
