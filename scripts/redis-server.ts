/**
 * Redis for `npm start` and the tests when REDIS_URL is not given: a ping of a URL, and a throwaway
 * local redis-server on a given port, when one is installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** True when `url` answers PING with PONG within a second. */
export function redisAnswers(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(u.port || 6379), u.hostname);
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () =>
      sock.write(u.password ? `AUTH ${decodeURIComponent(u.password)}\r\nPING\r\n` : 'PING\r\n'),
    );
    sock.on('data', (d) => d.toString().includes('+PONG') && done(true));
    sock.once('error', () => done(false));
    sock.once('close', () => resolve(false));
    sock.setTimeout(1000, () => done(false));
  });
}

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export const REDIS_INSTALL_HINT =
  'Redis is required: set REDIS_URL (e.g. redis://127.0.0.1:6379) or install redis-server ' +
  '(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).';

/**
 * Starts redis-server on 127.0.0.1:port; resolves when it answers PING. With `dir`, it keeps an
 * append-only file there (fsync every second), so the event streams and the consumer groups' positions
 * survive a restart: events a relay published and reports had not read yet are still there after it.
 * Without `dir`, nothing is persisted (tests, benches).
 */
export async function startLocalRedis(
  port: number,
  timeoutMs = 10_000,
  opts: { dir?: string } = {},
): Promise<{ url: string; stop: () => Promise<void> }> {
  if (opts.dir) fs.mkdirSync(opts.dir, { recursive: true });
  const persistence = opts.dir
    ? ['--dir', opts.dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']
    : ['--save', '', '--appendonly', 'no'];
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', ...persistence, '--loglevel', 'warning'],
    { stdio: 'ignore', detached: false },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (!(await redisAnswers(url))) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} during start-up`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('redis-server did not answer within 10 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return { url, stop };
}
