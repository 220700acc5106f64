import type { Redis } from 'ioredis';
import type { RevocationCheck } from './auth';
import type { Logger } from './logger';
import { connectRedis, redisPrefix, redisUrlFromEnv } from './redis';

/**
 * Token revocation (ADR 0016): when an employee is deactivated or changes role, every token issued to
 * them until then stops working at their next request, in every process, although tokens are
 * verified locally. The revocation times live in a Redis hash (subject -> epoch seconds) and are
 * pushed over pub/sub to an in-memory map in each process, so checking costs a map lookup and keeps
 * working from the last known list while Redis is away (the hash is read again on reconnect).
 */
export interface Revocations extends RevocationCheck {
  /** Refuses every token of `sub` issued at or before now (seconds resolution). */
  revoke(sub: string): Promise<void>;
  close(): Promise<void>;
}

/** Without Redis (REDIS_URL unset): nothing is revoked, and revoking is refused loudly. */
export const NO_REVOCATIONS: Revocations = {
  isRevoked: () => false,
  revoke: async () => {
    throw new Error('token revocation needs Redis: set REDIS_URL');
  },
  close: async () => undefined,
};

export async function redisRevocations(url: string, prefix: string, log: Logger): Promise<Revocations> {
  const key = `${prefix}auth:revoked`;
  const channel = `${prefix}auth:revoked`;
  const revokedAt = new Map<string, number>();
  const apply = (sub: string, at: number) => revokedAt.set(sub, Math.max(at, revokedAt.get(sub) ?? 0));
  const data = connectRedis(url, 'revocations', log);
  const subscriber: Redis = connectRedis(url, 'revocations-sub', log);
  const reload = async () => {
    const all = await data.hgetall(key);
    for (const [sub, at] of Object.entries(all)) apply(sub, Number(at));
  };
  subscriber.on('message', (_channel: string, message: string) => {
    const [sub, at] = message.split(' ');
    if (sub && at) apply(sub, Number(at));
  });
  // A subscriber that reconnects missed what was published meanwhile: read the hash again.
  subscriber.on('ready', () => void reload().catch(() => undefined));
  // Start-up waits a little for the list, but a Redis outage must not keep the service down: it
  // then serves with what it has (nothing yet) and fills the list as soon as Redis answers.
  const initial = Promise.all([subscriber.subscribe(channel), reload()]);
  initial.catch(() => undefined);
  const loaded = await Promise.race([
    initial.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000).unref()),
  ]).catch(() => false);
  if (!loaded) log.error('token revocation list not loaded (Redis unavailable); it loads when Redis answers');
  return {
    isRevoked: (sub, issuedAt) => {
      const at = revokedAt.get(sub);
      return at !== undefined && issuedAt <= at;
    },
    revoke: async (sub) => {
      const at = Math.floor(Date.now() / 1000);
      // The hash keeps the latest time (a concurrent older write cannot lower it), then every process is told.
      await data.eval(
        "local c = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') if tonumber(ARGV[2]) > c then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 1",
        1,
        key,
        sub,
        String(at),
      );
      apply(sub, at);
      await data.publish(channel, `${sub} ${at}`);
    },
    close: async () => {
      // quit lets replies in flight arrive; disconnect also ends a client that never connected.
      await Promise.allSettled([subscriber.quit(), data.quit()]);
      subscriber.disconnect();
      data.disconnect();
    },
  };
}

/** The process's revocation list: Redis-backed with REDIS_URL, otherwise none (with a warning). */
export async function revocationsFromEnv(log: Logger): Promise<Revocations> {
  const url = redisUrlFromEnv();
  if (!url) {
    log.warn('REDIS_URL is not set: token revocation is off in this process');
    return NO_REVOCATIONS;
  }
  return redisRevocations(url, redisPrefix(), log);
}
