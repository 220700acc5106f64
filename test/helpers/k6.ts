/**
 * Loading the k6 library modules that import nothing from k6 (loadtests/k6/lib/operations.js and
 * lib/thresholds.js) in Node, for the checks of test/ops/k6.ops.test.ts that need no k6: the ES
 * modules are transpiled to CommonJS and run in a vm context with k6's init-context `open()` (which
 * reads a file, as k6 does) and `import.meta.resolve` (relative to the module). The scripts
 * themselves run on a real k6 (test/e2e/k6-live.e2e.test.ts): a module importing k6 is refused here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';

export const K6_DIR = path.resolve(__dirname, '..', '..', 'loadtests', 'k6');

export type Exports = Record<string, unknown>;

/** Every file k6's open() read so far (the ops test checks the scripts read schema/operations). */
export const opened: string[] = [];

/** k6's open(): a path or a file: URL (what import.meta.resolve returns). */
function k6Open(target: string): string {
  const file = target.startsWith('file:') ? fileURLToPath(target) : path.resolve(K6_DIR, target);
  opened.push(file);
  return fs.readFileSync(file, 'utf8');
}

/** A loader of k6 library modules that import no k6 module; `__ENV` is `env`. */
export function loadModules(env: Record<string, string> = {}) {
  const context = vm.createContext({
    __ENV: env,
    open: k6Open,
    console: { log() {}, info() {}, warn() {}, error() {}, debug() {} },
  });
  const cache = new Map<string, Exports>();
  const load = (file: string): Exports => {
    const cached = cache.get(file);
    if (cached) return cached;
    const source = fs.readFileSync(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
      fileName: file,
    });
    const module = { exports: {} as Exports };
    cache.set(file, module.exports);
    // CommonJS has no import.meta: the module gets k6's as a parameter.
    const body = outputText.replace(/\bimport\.meta\b/g, '__importMeta');
    const importMeta = { resolve: (spec: string) => pathToFileURL(path.resolve(path.dirname(file), spec)).href };
    const wrapper = vm.runInContext(`(function (require, module, exports, __importMeta) {${body}\n})`, context, {
      filename: file,
    }) as (req: (spec: string) => Exports, m: { exports: Exports }, e: Exports, meta: typeof importMeta) => void;
    wrapper(
      (spec) => {
        if (!spec.startsWith('.')) throw new Error(`${path.basename(file)} imports ${spec}: run it on a real k6`);
        return load(path.resolve(path.dirname(file), spec));
      },
      module,
      module.exports,
      importMeta,
    );
    return module.exports;
  };
  return load;
}
