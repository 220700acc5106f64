/**
 * subgraphs/migrate.ts, as the Kubernetes migration Job and the pods' init containers run it
 * (deploy/kubernetes/base/migrations.yaml, ADR 0026): real processes against real PostgreSQL.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { REGISTRY } from '../../subgraphs/registry';

const ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  code: number | null;
  output: string;
}

/** `node --import tsx subgraphs/migrate.ts ...args` with only this environment (and PATH). */
function migrate(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'subgraphs/migrate.ts', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('select name from mikro_orm_migrations order by id');
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

describe('subgraphs/migrate.ts: the migration Job and the init container that waits for it', () => {
  let db: TestDatabase;
  let committed: string[];

  beforeAll(async () => {
    db = await freshDatabase('k8s_migrate');
    committed = (await REGISTRY.products.load()).definition.migrations.map((m) => m.name);
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('before the Job: the init container keeps waiting, names what is missing, then gives up', async () => {
    const run = await migrate(['products', '--wait'], { PRODUCTS_DATABASE_URL: db.url, MIGRATIONS_WAIT_SECONDS: '1' });
    expect(run.code).toBe(1);
    expect(run.output).toContain(`waiting for ${committed.length} migration(s): ${committed.join(', ')}`);
    expect(run.output).toContain('migrations still not run after 1 s');
    expect(run.output).toContain('has its Job run?');
  });

  test('the Job runs every committed migration once; run again, it runs none', async () => {
    const first = await migrate(['products'], { PRODUCTS_DATABASE_URL: db.url });
    expect(first.code).toBe(0);
    expect(first.output).toContain(`products: ${committed.length} migration(s) run`);
    expect(await appliedMigrations(db.url)).toEqual(committed);

    const again = await migrate(['products'], { PRODUCTS_DATABASE_URL: db.url });
    expect(again.code).toBe(0);
    expect(again.output).toContain('products: 0 migration(s) run');
    expect(await appliedMigrations(db.url)).toEqual(committed);
  });

  test('after the Job: the init container lets the pod start at once', async () => {
    const started = Date.now();
    const run = await migrate(['products', '--wait'], { PRODUCTS_DATABASE_URL: db.url });
    expect(run.code).toBe(0);
    expect(run.output).toContain('products: every committed migration has run');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('a database it cannot reach: it waits, says so without the URL or its password, and gives up', async () => {
    const url = 'postgres://products:s3cret-password-xyz@127.0.0.1:1/products';
    const run = await migrate(['products', '--wait'], { PRODUCTS_DATABASE_URL: url, MIGRATIONS_WAIT_SECONDS: '1' });
    expect(run.code).toBe(1);
    expect(run.output).toContain('database not reachable yet (ECONNREFUSED)');
    expect(run.output).not.toContain('s3cret-password-xyz');
  });

  test('an unknown subgraph or argument: usage, exit 64, nothing run', async () => {
    for (const args of [['nope'], ['products', '--now']]) {
      const run = await migrate(args, { PRODUCTS_DATABASE_URL: db.url });
      expect({ args, code: run.code }).toEqual({ args, code: 64 });
      expect(run.output).toContain('usage: migrate.ts <products|inventory|ecommerce|retail|reports> [--wait]');
    }
  });
});
