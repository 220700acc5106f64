import { runSubgraphProcess } from '../kit';
import { service } from './server';

/**
 * Entry point: `tsx subgraphs/reports/index.ts` (PORT, REPORTS_DATABASE_URL or DATABASE_URL,
 * REDIS_URL and REDIS_PREFIX for the event streams; config.ts lists the rest).
 */
runSubgraphProcess(service);
