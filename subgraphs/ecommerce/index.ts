import { createLogger, ensureDatabase, portFromEnv, stopOnSignals, subgraphDatabaseUrl } from '../kit';
import { seedEcommerce } from './seed';
import { startEcommerce } from './server';

/**
 * Entry point: `tsx subgraphs/ecommerce/index.ts`. Reads PORT, ECOMMERCE_DATABASE_URL or DATABASE_URL,
 * PRODUCTS_URL, INVENTORY_URL (comma-separated replicas), SEED_DEMO=1, and the saga settings in config.ts.
 */
async function main(): Promise<void> {
  const dbUrl = subgraphDatabaseUrl('ecommerce');
  const dbName = decodeURIComponent(new URL(dbUrl).pathname.slice(1));
  try {
    await ensureDatabase(dbUrl, dbName);
  } catch (err) {
    // A managed database may refuse CREATE DATABASE; if ours exists anyway, opening it succeeds.
    createLogger('ecommerce').warn({ err }, 'could not ensure the ecommerce database exists');
  }
  const running = await startEcommerce({
    dbUrl,
    port: portFromEnv('ecommerce'),
    afterMigrate: process.env.SEED_DEMO === '1' ? seedEcommerce : undefined,
  });
  stopOnSignals(running.stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
