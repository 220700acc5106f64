/**
 * Entry point: `tsx subgraphs/retail/index.ts`. Reads PORT, RETAIL_DATABASE_URL or DATABASE_URL and
 * SEED_DEMO=1 (the kit's runSubgraphProcess), PRODUCTS_URL, INVENTORY_URL (comma-separated replicas),
 * REDIS_URL (token revocation, the event stream), OUTBOX_* (the relay) and the saga settings of
 * config.ts; README.md lists them all.
 */
import { runSubgraphProcess } from '../kit';
import { service } from './server';

runSubgraphProcess(service);
