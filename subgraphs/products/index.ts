import { ensureDatabase, portFromEnv, startSubgraph, stopOnSignals, subgraphDatabaseUrl, createLogger } from '../kit';
import { seedProducts } from './seed';
import { definition } from './server';

/** Entry point: `tsx subgraphs/products/index.ts` (PORT, PRODUCTS_DATABASE_URL or DATABASE_URL, SEED_DEMO=1). */
async function main(): Promise<void> {
  const dbUrl = subgraphDatabaseUrl('products');
  const dbName = decodeURIComponent(new URL(dbUrl).pathname.slice(1));
  try {
    await ensureDatabase(dbUrl, dbName);
  } catch (err) {
    // A managed database may refuse CREATE DATABASE or access to the maintenance db; if ours
    // exists anyway, opening it below succeeds, otherwise that error is the one that matters.
    createLogger('products').warn({ err }, 'could not ensure the products database exists');
  }
  const running = await startSubgraph(definition, {
    dbUrl,
    port: portFromEnv('products'),
    afterMigrate: process.env.SEED_DEMO === '1' ? seedProducts : undefined,
  });
  stopOnSignals(running.stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
