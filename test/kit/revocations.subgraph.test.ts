import { randomBytes } from 'node:crypto';
import { createLogger, identityFromHeader, InvalidTokenError, redisRevocations, signToken } from '../../subgraphs/kit';
import { waitFor } from '../helpers/toolkit';

/** Two processes' revocation lists on one Redis (REDIS_URL from the test setup), own key prefix. */
describe('token revocation (Redis)', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `test:${randomBytes(4).toString('hex')}:`;
  const log = createLogger('test');

  it('refuses every token issued before a revocation, in every process, and none issued after', async () => {
    const here = await redisRevocations(url, prefix, log);
    const elsewhere = await redisRevocations(url, prefix, log);
    try {
      const before = signToken({ sub: 'emp-9', role: 'CLERK', storeId: 'store-1' });
      // Its issue time (seconds): what every later check of it compares, however late it runs.
      const beforeIssued = Math.floor(Date.now() / 1000);
      const other = signToken({ sub: 'emp-10', role: 'CLERK', storeId: 'store-1' });
      expect(identityFromHeader(`Bearer ${before}`, elsewhere)).toMatchObject({ sub: 'emp-9' });

      await here.revoke('emp-9');
      expect(() => identityFromHeader(`Bearer ${before}`, here)).toThrow(new InvalidTokenError('token revoked'));
      // Pushed to the other process over pub/sub.
      await waitFor('the revocation to reach the other process', () => elsewhere.isRevoked('emp-9', beforeIssued));
      expect(() => identityFromHeader(`Bearer ${before}`, elsewhere)).toThrow('token revoked');
      expect(identityFromHeader(`Bearer ${other}`, elsewhere)).toMatchObject({ sub: 'emp-10' });

      // A process started later reads the list from the hash.
      const later = await redisRevocations(url, prefix, log);
      expect(later.isRevoked('emp-9', beforeIssued)).toBe(true);
      await later.close();

      // A token issued after the revocation works (seconds resolution: wait for the next second).
      await new Promise((r) => setTimeout(r, 1100));
      const fresh = signToken({ sub: 'emp-9', role: 'CLERK', storeId: 'store-1' });
      expect(identityFromHeader(`Bearer ${fresh}`, elsewhere)).toMatchObject({ sub: 'emp-9' });
    } finally {
      await here.close();
      await elsewhere.close();
    }
  });

  it('starts without Redis and refuses nothing until it can read the list', async () => {
    const started = Date.now();
    const offline = await redisRevocations('redis://127.0.0.1:1', prefix, log);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(offline.isRevoked('emp-9', 0)).toBe(false);
    await offline.close();
  });
});
