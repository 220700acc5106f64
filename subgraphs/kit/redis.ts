import { Redis } from 'ioredis';
import type { Logger } from './logger';

/**
 * Redis connections of this process (REDIS_URL). Every key and channel name is prefixed with
 * REDIS_PREFIX (default "retail:"), so several stacks (test files, a bench) can share one server.
 */
export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.REDIS_URL?.trim() || null;
}

export function redisPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_PREFIX ?? 'retail:';
}

/**
 * A connection that retries with backoff (capped at 2 s) instead of failing callers while Redis is
 * away; commands issued meanwhile wait in ioredis's offline queue up to `maxRetriesPerRequest`.
 * The URL's password is never logged.
 */
export function connectRedis(url: string, name: string, log: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(2_000, 50 * 2 ** Math.min(times, 6)),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: { message: err.message }, redis: name }, 'redis unavailable; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ redis: name }, 'redis available again');
    down = false;
  });
  return redis;
}
