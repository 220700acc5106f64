/**
 * `npm run migration:create`: compares each subgraph's entity definitions (entities.ts, the one
 * description of its tables, ADR 0003) with a database migrated by its committed migrations, and
 * writes a migration for any difference into subgraphs/<name>/migrations/ (then list it in that
 * folder's index.ts). With nothing to do it says so and changes nothing.
 *
 *   npm run migration:create                      every subgraph
 *   npm run migration:create -- products          one subgraph
 *   npm run migration:create -- --check           exit 1 when entities and migrations disagree
 *   npm run migration:create -- --name stock_note name the new migration
 *
 * The scratch databases live on DATABASE_URL's (or TEST_DATABASE_URL's) server, else on an embedded
 * PostgreSQL started for the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { databaseUrl, dropDatabase, ensureDatabase, schemaDiff } from '../subgraphs/kit/db';
import { registryEntry, SUBGRAPH_LIST } from '../subgraphs/registry';
import { startEmbeddedPostgres } from './embedded-postgres';

async function withServer<T>(fn: (serverUrl: string) => Promise<T>): Promise<T> {
  const given = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (given) return fn(given);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-migrations-pg-'));
  fs.chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres(path.join(dir, 'data'), 20000 + Math.floor(Math.random() * 5000), {
    ephemeral: true,
  });
  try {
    return await fn(server.url);
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const name = argValue(args, '--name');
  const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--name');
  const entries = names.length ? names.map(registryEntry) : [...SUBGRAPH_LIST];
  let differing = 0;
  await withServer(async (serverUrl) => {
    for (const entry of entries) {
      const service = await entry.load();
      const dbName = `migrations_${entry.name}_${randomBytes(3).toString('hex')}`;
      await ensureDatabase(serverUrl, dbName);
      try {
        const migrationsDir = path.join(entry.dir, 'migrations');
        const diff = await schemaDiff(
          {
            url: databaseUrl(serverUrl, dbName),
            entities: service.definition.entities,
            migrations: service.definition.migrations,
          },
          check ? undefined : { migrationsDir, name },
        );
        if (diff.up.length === 0) {
          console.error(`migration:create: ${entry.name}: entities and migrations agree; no pending change`);
          continue;
        }
        differing++;
        if (check) {
          console.error(`migration:create: ${entry.name}: entities differ from the migrations:`);
          for (const line of diff.up) console.error(`    ${line}`);
        } else {
          console.error(
            `migration:create: ${entry.name}: wrote ${path.relative(process.cwd(), path.join(migrationsDir, diff.fileName ?? ''))}` +
              ' (add it to migrations/index.ts)',
          );
        }
      } finally {
        await dropDatabase(serverUrl, dbName);
      }
    }
  });
  return check && differing ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
