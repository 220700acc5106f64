import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/postgresql';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { Client } from 'pg';
import { Gauge } from 'prom-client';
import type { Metrics } from './metrics';

export type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

export interface DbOptions {
  /** Full connection URL of this subgraph's own database. */
  url: string;
  // EntitySchema's generics differ per entity; the array only needs to be passed through to MikroORM.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: EntitySchema<any, any>[];
  /** Committed migrations in order; listed explicitly so tsx, jest and node all find the same set. */
  migrations: { name: string; class: MigrationClass }[];
  poolMax?: number;
  metrics?: Metrics;
}

/**
 * Opens this subgraph's ORM. Every SQL statement is counted (db_statements_total) so that tests
 * and dashboards can see N+1 queries.
 */
export async function openOrm(opts: DbOptions): Promise<MikroORM> {
  const config: Options = {
    clientUrl: opts.url,
    entities: opts.entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: opts.poolMax ?? Number(process.env.DB_POOL_MAX ?? 10) },
    migrations: {
      migrationsList: opts.migrations,
      // Where `npm run migration:create` writes a new migration (schemaDiff passes its own path).
      path: os.tmpdir(),
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      tableName: 'mikro_orm_migrations',
      snapshot: false,
      // Applied migrations are logged by the kit as JSON, not printed to the console.
      silent: true,
    },
    allowGlobalContext: false,
    debug: false,
    ensureDatabase: false,
  };
  const orm = await MikroORM.init(config);
  if (opts.metrics) {
    const counter = opts.metrics.dbStatements;
    orm.em
      .getConnection()
      .getKnex()
      .on('query', (q: { sql?: string }) => {
        const kind = (q.sql ?? '').trimStart().split(/\s/, 1)[0]?.toLowerCase() || 'other';
        counter.inc({ kind });
      });
    poolMetrics(opts.metrics, orm);
  }
  return orm;
}

/** What the gauges read of knex's connection pool (tarn). */
interface PoolView {
  max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

type PoolHolder = { client: { pool?: PoolView } };

const pools = new WeakMap<Metrics['registry'], PoolHolder[]>();

/**
 * db_pool_connections{state="used"|"idle"}, db_pool_waiting and db_pool_max_connections: the request
 * pool of every ORM opened with this registry (one per process in practice), read when Prometheus
 * scrapes, so nothing is done per query. A request waiting for a connection is the first sign of a
 * pool too small for the load (DB_POOL_MAX) or of statements held too long.
 */
function poolMetrics(metrics: Metrics, orm: MikroORM): void {
  const knex = orm.em.getConnection().getKnex() as unknown as PoolHolder;
  const known = pools.get(metrics.registry);
  if (known) {
    known.push(knex);
    return;
  }
  const holders = [knex];
  pools.set(metrics.registry, holders);
  // knex makes its tarn pool with the client and drops it when destroyed: a closed ORM counts nothing.
  const views = (): PoolView[] => holders.flatMap((h) => (h.client.pool ? [h.client.pool] : []));
  const sum = (pick: (p: PoolView) => number) => views().reduce((n, p) => n + pick(p), 0);
  const registers = [metrics.registry];
  new Gauge({
    name: 'db_pool_connections',
    help: 'Connections of the PostgreSQL request pool, by state (used: lent to a statement or transaction; idle)',
    labelNames: ['state'],
    registers,
    collect() {
      this.set(
        { state: 'used' },
        sum((p) => p.numUsed()),
      );
      this.set(
        { state: 'idle' },
        sum((p) => p.numFree()),
      );
    },
  });
  new Gauge({
    name: 'db_pool_waiting',
    help: 'Statements waiting for a connection of the PostgreSQL request pool',
    registers,
    collect() {
      this.set(sum((p) => p.numPendingAcquires()));
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'Size limit of the PostgreSQL request pool (DB_POOL_MAX)',
    registers,
    collect() {
      this.set(sum((p) => p.max));
    },
  });
}

export async function migrate(orm: MikroORM): Promise<void> {
  await orm.getMigrator().up();
}

/** True when the database answers and no committed migration is pending. */
export async function isReady(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    const pending = await orm.getMigrator().getPendingMigrations();
    return pending.length === 0;
  } catch {
    return false;
  }
}

/** Replaces the database name in a server URL: postgres://u@h:5432/x + "products" -> .../products. */
export function databaseUrl(serverUrl: string, dbName: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

/** Creates the database if it does not exist yet (connects to the server's maintenance db). */
export async function ensureDatabase(serverUrl: string, dbName: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(dbName)) throw new Error(`unsafe database name ${dbName}`);
  const client = new Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [dbName]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`create database "${dbName}"`);
      } catch (err) {
        // Another process may have created it between the check and here.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(serverUrl: string, dbName: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(dbName)) throw new Error(`unsafe database name ${dbName}`);
  const client = new Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(`drop database if exists "${dbName}" with (force)`);
  } finally {
    await client.end();
  }
}

export interface SchemaDiff {
  /** SQL that would bring a database migrated by the committed migrations to what the entities describe. */
  up: string[];
  down: string[];
}

/**
 * Compares the entity definitions with a database on which every committed migration has run (ADR
 * 0003: the entities are the one description of each table). Empty `up` means they agree.
 * `write` creates a migration file with the difference in `migrationsDir` and returns its name.
 */
export async function schemaDiff(
  opts: Omit<DbOptions, 'metrics'>,
  write?: { migrationsDir: string; name?: string },
): Promise<SchemaDiff & { fileName: string | null }> {
  const orm = await openOrm({ ...opts, poolMax: 2 });
  try {
    await migrate(orm);
    const migrator = orm.getMigrator();
    if (!write) {
      // createMigration with `blank` false only computes the diff until it has something to write.
      const needed = await migrator.checkMigrationNeeded();
      if (!needed) return { up: [], down: [], fileName: null };
    }
    const result = await migrator.createMigration(write?.migrationsDir ?? os.tmpdir(), false, false, write?.name);
    if (!write && result.fileName) fs.rmSync(path.join(os.tmpdir(), result.fileName), { force: true });
    return { up: result.diff.up, down: result.diff.down, fileName: write && result.fileName ? result.fileName : null };
  } finally {
    await orm.close();
  }
}
