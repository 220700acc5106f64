/**
 * web/server.ts over HTTP, on a build directory made here (an index.html, one asset, the build's
 * bookkeeping file): what a browser and an attacker get from it. No browser needed.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startWebServer, webOptionsFromEnv, type RunningWebServer } from '../../web/server';

const INDEX =
  '<!doctype html><html><body><div id="root"></div><script src="/assets/app-abc123.js"></script></body></html>';
// Over 1 kB, so the server gzips it for a browser that accepts gzip.
const ASSET = `console.log(${JSON.stringify('x'.repeat(4000))});`;

/**
 * A GET with the path exactly as written: fetch would resolve `..` and undo gzip before the test sees
 * either.
 */
function rawGet(
  port: number,
  rawPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: rawPath, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on('error', reject);
  });
}

describe('web/server.ts', () => {
  let dist: string;
  let web: RunningWebServer;
  let base: string;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-server-'));
    dist = path.join(dir, 'dist');
    fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), INDEX);
    fs.writeFileSync(path.join(dist, 'assets', 'app-abc123.js'), ASSET);
    fs.writeFileSync(path.join(dist, '.build-hash'), 'secret-ish\n');
    // Next to the build, where a path escaping it would land.
    fs.writeFileSync(path.join(dir, 'outside.txt'), 'not served');
    web = await startWebServer({
      routerUrl: 'http://api.example.test:8000/graphql',
      apiKey: 'dev-head-office-key',
      dashboardRefreshMs: 5000,
      port: 0,
      distDir: dist,
    });
    base = `http://127.0.0.1:${web.port}`;
  });

  afterAll(async () => {
    await web?.stop();
    fs.rmSync(path.dirname(dist), { recursive: true, force: true });
  });

  it('answers index.html for any screen path, revalidated, with a CSP that lets the page reach only itself and the API', async () => {
    for (const p of ['/', '/dashboard', '/reports?from=2026-01-01']) {
      const res = await fetch(`${base}${p}`);
      expect({ p, status: res.status, type: res.headers.get('content-type') }).toEqual({
        p,
        status: 200,
        type: 'text/html; charset=utf-8',
      });
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self' http://api.example.test:8000");
      expect(csp).toContain("frame-ancestors 'none'");
    }
  });

  it('serves assets as immutable, gzipped for a browser that accepts it', async () => {
    const plain = await fetch(`${base}/assets/app-abc123.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await plain.text()).toBe(ASSET);

    const raw = await rawGet(web.port, '/assets/app-abc123.js', { 'accept-encoding': 'gzip' });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe(ASSET);
  });

  it('tells the app where the API is in /config.json, never cached', async () => {
    const res = await fetch(`${base}/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      routerUrl: 'http://api.example.test:8000/graphql',
      apiKey: 'dev-head-office-key',
      dashboardRefreshMs: 5000,
      persistedQueries: true,
    });
  });

  it('serves nothing outside the build, nor its bookkeeping, and a missing file is a 404, not the app', async () => {
    const attempts = [
      '/../outside.txt',
      '/assets/../../outside.txt',
      '/%2e%2e/outside.txt',
      '/assets/..%2f..%2foutside.txt',
      '/.build-hash',
      '/assets/gone.js',
    ];
    for (const p of attempts) {
      const res = await rawGet(web.port, p);
      const body = res.body.toString();
      expect({ p, status: res.status, leaked: body.includes('not served') || body.includes('secret-ish') }).toEqual({
        p,
        status: 404,
        leaked: false,
      });
    }
  });

  it('answers GET and HEAD only', async () => {
    const post = await fetch(`${base}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${base}/dashboard`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('reports ready, and refuses to start without a build', async () => {
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'web-empty-'));
    try {
      await expect(
        startWebServer({ routerUrl: 'http://localhost:4000/graphql', port: 0, distDir: empty }),
      ).rejects.toThrow(/holds no build of the back-office app: run npm run web:build/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('reads its settings from the environment, refusing a port that is not one', () => {
    expect(
      webOptionsFromEnv({ WEB_PORT: '4200', WEB_API_KEY: 'k', WEB_PERSISTED_QUERIES: 'off', HOST: '0.0.0.0' }),
    ).toMatchObject({ port: 4200, apiKey: 'k', persistedQueries: false, host: '0.0.0.0', dashboardRefreshMs: 30_000 });
    expect(() => webOptionsFromEnv({ WEB_PORT: 'eighty' })).toThrow(/WEB_PORT is not a port number/);
  });
});
