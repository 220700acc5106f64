import { randomBytes } from 'node:crypto';
import { databaseUrl, dropDatabase, ensureDatabase } from '../../subgraphs/kit';

/** The PostgreSQL server tests use: TEST_DATABASE_URL, or the embedded one global-setup started. */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL ?? process.env.EMBEDDED_TEST_DATABASE_URL;
  if (url) return url;
  if (process.env.TEST_UNIT_ONLY === '1') {
    throw new Error('a unit test asked for a database: unit tests do no I/O (name the file *.subgraph.test.ts)');
  }
  throw new Error('TEST_DATABASE_URL is not set and global-setup did not start embedded PostgreSQL');
}

export interface TestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/** A new, empty database for one test file, so test files never see each other's rows. */
export async function freshDatabase(prefix: string): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `t_${prefix}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(server, name);
  return { url: databaseUrl(server, name), name, drop: () => dropDatabase(server, name) };
}
