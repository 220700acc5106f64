/**
 * `npm run k6`: runs every k6 script of loadtests/k6 with a real k6, one after the other, and says
 * which passed (loadtests/k6/README.md).
 *
 *   npm run k6                              every script, full load, through Kong (localhost:8000)
 *   npm run k6 -- --smoke                   every script in smoke mode (2 VUs x 2 iterations), same thresholds
 *   K6_TARGET=router npm run k6 -- --smoke  straight to the router of `npm start` (localhost:4000)
 *   npm run k6 -- --smoke till.js           some scripts only
 *   npm run k6 -- --summary-dir out         also writes out/<script>.json (k6's --summary-export)
 *   npm run k6 -- catalog.js -- --vus 20 --duration 30s   after `--`: arguments for k6 itself
 *
 * k6 is K6_BIN, else `k6` on PATH. Exit 0 when every script passed (k6 exit 0), 1 otherwise, 2
 * without k6 or with bad arguments. k6's anonymous usage report is always off: nothing leaves the machine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const K6_DIR = path.resolve(__dirname, '..', 'loadtests', 'k6');

/** Where to get k6, for messages. */
export const K6_INSTALL_HINT =
  'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/: e.g. `brew install k6`, the Debian/Ubuntu ' +
  'package from dl.k6.io, or `winget install k6`) or point K6_BIN at a k6 binary';

/** What a k6 exit code means (k6's errext codes). */
const EXIT_MEANINGS: Record<number, string> = {
  0: 'passed',
  99: 'FAILED: thresholds crossed',
  104: 'FAILED: invalid options',
  105: 'FAILED: stopped from outside',
  107: 'FAILED: script error',
  108: 'FAILED: aborted (setup could not prepare the run)',
};

export function exitMeaning(code: number | null): string {
  if (code === null) return 'FAILED: killed';
  return EXIT_MEANINGS[code] ?? `FAILED: k6 exit ${code}`;
}

/** K6_BIN when set (it must be executable), else the first `k6` on PATH; null without one. */
export function findK6(env: NodeJS.ProcessEnv = process.env): string | null {
  const executable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (env.K6_BIN) return executable(env.K6_BIN) ? path.resolve(env.K6_BIN) : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, process.platform === 'win32' ? 'k6.exe' : 'k6');
    if (executable(file)) return file;
  }
  return null;
}

/** Every script: the .js files at the top of loadtests/k6 (lib/ holds what they share). */
export function k6Scripts(): string[] {
  return fs
    .readdirSync(K6_DIR)
    .filter((f) => f.endsWith('.js'))
    .sort();
}

export interface RunnerArgs {
  smoke: boolean;
  scripts: string[];
  summaryDir: string | null;
  k6Args: string[];
}

export function parseArgs(argv: string[]): RunnerArgs {
  const known = k6Scripts();
  const args: RunnerArgs = { smoke: false, scripts: [], summaryDir: null, k6Args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.k6Args = argv.slice(i + 1);
      break;
    } else if (a === '--smoke') args.smoke = true;
    else if (a === '--summary-dir') {
      const dir = argv[++i];
      if (!dir) throw new Error('--summary-dir needs a folder');
      args.summaryDir = path.resolve(dir);
    } else if (known.includes(path.basename(a))) args.scripts.push(path.basename(a));
    else
      throw new Error(
        `unknown argument ${a}: the scripts are ${known.join(', ')}; options --smoke, --summary-dir DIR, -- <k6 args>`,
      );
  }
  if (args.scripts.length === 0) args.scripts = known;
  return args;
}

export interface ScriptResult {
  script: string;
  code: number | null;
  seconds: number;
}

/** Runs one script with k6, its output on ours; resolves with its exit code. */
export function runScript(k6: string, script: string, args: RunnerArgs): Promise<ScriptResult> {
  const cmd = ['run', '--no-usage-report'];
  if (args.smoke) cmd.push('-e', 'SMOKE=1');
  if (args.summaryDir) cmd.push('--summary-export', path.join(args.summaryDir, script.replace(/\.js$/, '.json')));
  cmd.push(...args.k6Args, path.join(K6_DIR, script));
  const started = Date.now();
  const child = spawn(k6, cmd, {
    cwd: path.resolve(K6_DIR, '..', '..'),
    stdio: 'inherit',
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true' },
  });
  const stop = () => child.kill('SIGINT');
  process.once('SIGINT', stop);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      process.off('SIGINT', stop);
      resolve({ script, code, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function main(): Promise<number> {
  let args: RunnerArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const k6 = findK6();
  if (!k6) {
    console.error(
      `npm run k6: no k6 found${process.env.K6_BIN ? ` at K6_BIN=${process.env.K6_BIN}` : ' on PATH'}: ${K6_INSTALL_HINT}.`,
    );
    return 2;
  }
  if (args.summaryDir) fs.mkdirSync(args.summaryDir, { recursive: true });
  const target = process.env.K6_TARGET || `kong (${process.env.K6_BASE_URL || 'http://localhost:8000/graphql'})`;
  console.log(`k6: ${args.scripts.join(', ')}${args.smoke ? ', smoke mode' : ''}, target ${target}`);
  const results: ScriptResult[] = [];
  for (const script of args.scripts) {
    console.log(`\n=== ${script} ===`);
    results.push(await runScript(k6, script, args));
  }
  console.log('\nk6 results:');
  for (const r of results) console.log(`  ${r.script.padEnd(20)} ${exitMeaning(r.code)} (${r.seconds.toFixed(1)} s)`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
