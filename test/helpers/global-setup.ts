import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres';
import { redisAnswers, REDIS_INSTALL_HINT, redisServerInstalled, startLocalRedis } from '../../scripts/redis-server';

declare global {
  var __EMBEDDED_PG__: { stop: () => Promise<void>; dir: string } | undefined;
  var __LOCAL_REDIS__: { stop: () => Promise<void> } | undefined;
}

const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/**
 * Redis for the tests: REDIS_URL when set, else one on 127.0.0.1:6379 when it answers, else a
 * throwaway redis-server started for the run. Each test file uses its own key prefix (the stack's).
 */
async function testRedis(): Promise<void> {
  if (process.env.REDIS_URL) return;
  if (await redisAnswers(DEFAULT_REDIS)) {
    process.env.REDIS_URL = DEFAULT_REDIS;
    return;
  }
  if (!redisServerInstalled()) throw new Error(REDIS_INSTALL_HINT);
  const redis = await startLocalRedis(16379 + Math.floor(Math.random() * 1000));
  process.env.REDIS_URL = redis.url;
  globalThis.__LOCAL_REDIS__ = redis;
}

/**
 * Without TEST_DATABASE_URL the suite runs on an embedded PostgreSQL in a temporary folder, except
 * under `npm run test:unit` (TEST_UNIT_ONLY=1): unit tests do no I/O, so no server is started.
 */
export default async function globalSetup(): Promise<void> {
  process.env.NODE_ENV = 'test';
  // Many pools per test file (subgraphs, replicas); keep each small so a 100-connection server copes.
  process.env.DB_POOL_MAX ??= '4';
  if (process.env.TEST_UNIT_ONLY === '1') return;
  await testRedis();
  if (process.env.TEST_DATABASE_URL) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-test-pg-'));
  // When tests run as root, PostgreSQL runs as the postgres user and must be able to enter here.
  fs.chmodSync(dir, 0o755);
  const port = 15432 + Math.floor(Math.random() * 1000);
  const server = await startEmbeddedPostgres(path.join(dir, 'data'), port, { ephemeral: true });
  process.env.EMBEDDED_TEST_DATABASE_URL = server.url;
  globalThis.__EMBEDDED_PG__ = { stop: server.stop, dir };
}
