import { ensureDatabase } from './db';
import { portFromEnv, subgraphDatabaseUrl } from './env';
import { createLogger, type Logger } from './logger';
import { stopOnSignals, type SubgraphService } from './server';

/**
 * Creates this subgraph's database when the server lets us. A managed database may refuse CREATE
 * DATABASE or access to the maintenance db; if ours exists anyway, opening it afterwards succeeds,
 * otherwise that later error is the one that matters.
 */
export async function ensureOwnDatabase(dbUrl: string, log: Logger): Promise<void> {
  const dbName = decodeURIComponent(new URL(dbUrl).pathname.slice(1));
  try {
    await ensureDatabase(dbUrl, dbName);
  } catch (err) {
    log.warn({ err, dbName }, 'could not ensure the database exists');
  }
}

/** Runs `main`; a start-up failure is logged and ends the process with exit code 1. */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    createLogger(service).fatal({ err }, `${service} failed to start`);
    process.exit(1);
  });
}

/**
 * The whole of a single-process subgraph's index.ts: PORT, <NAME>_DATABASE_URL or DATABASE_URL,
 * SEED_DEMO=1 for the demo data; stops cleanly on SIGINT/SIGTERM.
 */
export function runSubgraphProcess(service: SubgraphService): void {
  runMain(service.name, async () => {
    const dbUrl = subgraphDatabaseUrl(service.name);
    await ensureOwnDatabase(dbUrl, createLogger(service.name));
    const running = await service.start({
      dbUrl,
      port: portFromEnv(service.name),
      afterMigrate: process.env.SEED_DEMO === '1' ? service.seed : undefined,
    });
    stopOnSignals(running.stop);
  });
}

/** The exit code of a test-only fault (CHECKOUT_FAULT, SALE_FAULT): the crash tests expect it. */
export const FAULT_EXIT_CODE = 86;

/** Ends the process at a test-only fault's crash point, saying so (kit faultFromEnv arms the fault). */
export function exitAtFault(log: Logger, fields: Record<string, unknown>, message: string): never {
  log.fatal(fields, message);
  process.exit(FAULT_EXIT_CODE);
}
