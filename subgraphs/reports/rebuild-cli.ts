/**
 * `npm run reports:rebuild`: rebuilds reports' read models from the producers' retained events
 * (domain/rebuild.ts) while the system runs, and prints what it did. Reads REPORTS_DATABASE_URL or
 * DATABASE_URL, REPORTS_CURRENCY, and ECOMMERCE_URL, RETAIL_URL, INVENTORY_URL (the producers, each
 * asked directly for its SERVICE-only `retainedEvents`). Exit code 0 when done, 1 otherwise (nothing
 * is changed then: the rebuild is one transaction).
 */
import { createLogger, openOrm, runMain, subgraphDatabaseUrl } from '../kit';
import { closeHttpAgent } from '../kit/clients';
import { configFromEnv } from './config';
import { rebuildReadModels } from './domain/rebuild';
import { entities } from './entities';
import { producerSources } from './event-sources';
import { migrations } from './migrations';

runMain('reports-rebuild', async () => {
  const log = createLogger('reports-rebuild');
  const config = configFromEnv();
  const orm = await openOrm({ url: subgraphDatabaseUrl('reports'), entities, migrations, poolMax: 2 });
  try {
    if ((await orm.getMigrator().getPendingMigrations()).length > 0) {
      throw new Error('the reports database has pending migrations: start reports once before rebuilding');
    }
    const summary = await rebuildReadModels(
      { em: orm.em.fork(), identity: null, requestId: 'reports-rebuild', log },
      producerSources(),
      { currency: config.currency },
    );
    log.info(summary, 'read models rebuilt');
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await orm.close();
    await closeHttpAgent();
  }
});
