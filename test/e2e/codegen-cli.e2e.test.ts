/**
 * Gate: the generated files (`npm run codegen`: resolver types per subgraph, typed client operations)
 * are what the subgraphs' SDL and schema/operations generate now. The CLI runs in its own process:
 * GraphQL Code Generator's plugins load ES-module-only dependencies that jest does not transform.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

describe('npm run codegen -- --check (scripts/codegen.ts)', () => {
  it('every generated file is up to date (run `npm run codegen` and commit the files when this fails)', async () => {
    let result: { code: number; stderr: string };
    try {
      const { stderr } = await run(TSX, ['scripts/codegen.ts', '--check'], { cwd: ROOT });
      result = { code: 0, stderr };
    } catch (err) {
      const e = err as { code?: number; stderr?: string };
      result = { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '' };
    }
    expect(result.stderr.split('\n').filter((l) => /stale|Error/.test(l))).toEqual([]);
    expect(result.stderr).toMatch(/codegen: \d+ generated files are up to date/);
    expect(result.code).toBe(0);
  }, 120_000);
});
