/**
 * Builds the back-office app (web/src) into web/dist with Vite, and knows whether a build is current:
 * `npm start` builds only when web/dist is missing or was made from other inputs (the app's sources,
 * the client operations it sends, the persisted-query manifest, the locked dependency versions),
 * recorded as a hash in web/dist/.build-hash.
 *
 *   npm run web:build            build when stale
 *   npm run web:build -- --force build anyway
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { InlineConfig } from 'vite';

export const WEB_DIR = __dirname;
export const ROOT = path.join(WEB_DIR, '..');
export const DIST_DIR = path.join(WEB_DIR, 'dist');
const HASH_FILE = '.build-hash';

/** Everything a build is made from, as paths relative to the repository. */
export function webInputs(): string[] {
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
  const optional = ['schema/operations/persisted-query-manifest.json'].filter((f) => fs.existsSync(path.join(ROOT, f)));
  return [
    ...walk('web/src'),
    'web/index.html',
    'web/build.ts',
    'schema/operations/generated.ts',
    'schema/operations/error-codes.ts',
    'package-lock.json',
    ...optional,
  ].sort();
}

export function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of webInputs()) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** Whether `dist` holds a build of the current inputs. */
export function webBuildIsCurrent(dist = DIST_DIR): boolean {
  try {
    return (
      fs.existsSync(path.join(dist, 'index.html')) &&
      fs.readFileSync(path.join(dist, HASH_FILE), 'utf8').trim() === inputsHash()
    );
  } catch {
    return false;
  }
}

function viteConfig(outDir: string): InlineConfig {
  return {
    configFile: false,
    root: WEB_DIR,
    base: '/',
    publicDir: false,
    envDir: false,
    logLevel: 'warn',
    clearScreen: false,
    // No React plugin: Vite's own transformer (Oxc) compiles TSX with React's automatic runtime.
    oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      // ECharts (bar, line and pie with their components) is about 560 kB minified, 190 kB gzipped,
      // loaded only by the sales report screen.
      chunkSizeWarningLimit: 600,
      rolldownOptions: {
        output: {
          // Charts, the client libraries and the app change at different paces: separate files cache apart.
          codeSplitting: {
            groups: [
              { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/ },
              { name: 'vendor', test: /node_modules[\\/]/ },
            ],
          },
        },
      },
    },
    server: { fs: { allow: [ROOT] } },
  };
}

/**
 * Builds into a sibling directory, then swaps it in, so a server reading web/dist never sees half a
 * build; writes the inputs' hash last.
 */
export async function buildWeb(outDir = DIST_DIR): Promise<{ ms: number }> {
  const started = Date.now();
  const hash = inputsHash();
  const staging = `${outDir}.building-${process.pid}`;
  // Vite is an ES module: loaded on demand, so importing this file (npm start) costs nothing.
  const { build } = await import('vite');
  try {
    await build(viteConfig(staging));
    fs.writeFileSync(path.join(staging, HASH_FILE), `${hash}\n`);
    const old = `${outDir}.old-${process.pid}`;
    if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
    fs.renameSync(staging, outDir);
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return { ms: Date.now() - started };
}

/** Builds when web/dist is missing or stale; says what it did. */
export async function ensureWebBuilt(say: (message: string) => void = console.log): Promise<'current' | 'built'> {
  if (webBuildIsCurrent()) return 'current';
  say('building the back-office app (web/dist is missing or stale)');
  const { ms } = await buildWeb();
  say(`back-office app built in ${(ms / 1000).toFixed(1)} s`);
  return 'built';
}

if (require.main === module) {
  const force = process.argv.includes('--force');
  (force ? buildWeb().then(({ ms }) => console.log(`built web/dist in ${ms} ms`)) : ensureWebBuilt()).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
