/**
 * One subgraph's committed migrations, outside its server: what the Kubernetes deployment runs
 * before a subgraph's pods roll (deploy/kubernetes, ADR 0026).
 *
 *   node --import tsx subgraphs/migrate.ts <subgraph>          run the pending migrations, then exit
 *   node --import tsx subgraphs/migrate.ts <subgraph> --wait   exit 0 once none is pending (exit 1
 *                                                              after MIGRATIONS_WAIT_SECONDS, 600)
 *
 * The database is the subgraph's own (<NAME>_DATABASE_URL, or DATABASE_URL's server), as the server
 * reads it. The first form is the migration Job; the second is each pod's init container, so a pod of
 * a new release starts only once its Job has migrated, and its own start-up migration (the kit runs
 * one in every process, for `npm start` and compose) finds nothing to do instead of racing the Job
 * or another replica. A database that cannot be reached yet counts as "not migrated" while waiting.
 * Exit codes: 0 done, 1 failed or timed out, 64 usage.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createLogger, ensureOwnDatabase, migrate, openOrm, runMain, subgraphDatabaseUrl, type Logger } from './kit';
import { SUBGRAPH_LIST, type RegistryEntry } from './registry';

const USAGE = `usage: migrate.ts <${SUBGRAPH_LIST.map((e) => e.name).join('|')}> [--wait]`;

async function openFor(entry: RegistryEntry, dbUrl: string): Promise<MikroORM> {
  const { definition } = await entry.load();
  return openOrm({ url: dbUrl, entities: definition.entities, migrations: definition.migrations, poolMax: 1 });
}

/** Names of the committed migrations not yet run on the database; throws when it cannot be reached. */
async function pending(entry: RegistryEntry, dbUrl: string): Promise<string[]> {
  const orm = await openFor(entry, dbUrl);
  try {
    return (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
  } finally {
    await orm.close();
  }
}

async function runMigrations(entry: RegistryEntry, dbUrl: string, log: Logger): Promise<void> {
  await ensureOwnDatabase(dbUrl, log);
  const orm = await openFor(entry, dbUrl);
  try {
    const before = (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
    await migrate(orm);
    log.info({ event: 'migrations_run', applied: before }, `${entry.name}: ${before.length} migration(s) run`);
  } finally {
    await orm.close();
  }
}

async function waitForMigrations(entry: RegistryEntry, dbUrl: string, log: Logger): Promise<void> {
  const seconds = Number(process.env.MIGRATIONS_WAIT_SECONDS ?? 600);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('MIGRATIONS_WAIT_SECONDS must be a positive number');
  const deadline = Date.now() + seconds * 1000;
  let said = '';
  for (;;) {
    let state: string;
    try {
      const names = await pending(entry, dbUrl);
      if (names.length === 0) {
        log.info({ event: 'migrations_current' }, `${entry.name}: every committed migration has run`);
        return;
      }
      state = `waiting for ${names.length} migration(s): ${names.join(', ')}`;
    } catch (err) {
      // Only the error's code: a driver's message may quote the connection string.
      const code = (err as { code?: unknown }).code;
      state = `database not reachable yet (${typeof code === 'string' ? code : 'no answer'})`;
    }
    if (state !== said) log.info({ event: 'migrations_waiting' }, `${entry.name}: ${state}`);
    said = state;
    if (Date.now() >= deadline) {
      throw new Error(`${entry.name}: migrations still not run after ${seconds} s (${state}); has its Job run?`);
    }
    await sleep(2_000);
  }
}

const args = process.argv.slice(2);
const entry = SUBGRAPH_LIST.find((e) => e.name === args[0]);
const wait = args[1] === '--wait';
if (!entry || args.length > 2 || (args.length === 2 && !wait)) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(64);
}
const log = createLogger(`${entry.name}-migrations`);
runMain(`${entry.name}-migrations`, async () => {
  const dbUrl = subgraphDatabaseUrl(entry.name);
  if (wait) await waitForMigrations(entry, dbUrl, log);
  else await runMigrations(entry, dbUrl, log);
  process.exit(0);
});
