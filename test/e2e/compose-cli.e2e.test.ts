import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function compose(env: Record<string, string>, args: string[] = []): Promise<ExecResult> {
  try {
    const { stdout, stderr } = await run(TSX, ['schema/compose.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm run compose (schema/compose.ts)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-cli-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('exits non-zero with every composition error for a config that does not compose, writing nothing', async () => {
    const out = path.join(tmp, 'broken.graphql');
    const result = await compose({
      SUPERGRAPH_CONFIG: path.join(__dirname, 'fixtures', 'broken', 'supergraph.yaml'),
      SUPERGRAPH_OUT: out,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/composition failed with \d+ error/);
    expect(result.stderr).toMatch(/FIELD_TYPE_MISMATCH/);
    expect(result.stderr).toMatch(/INVALID_FIELD_SHARING/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('prints composition hints and fails on INCONSISTENT_DESCRIPTION, writing nothing', async () => {
    const out = path.join(tmp, 'inconsistent.graphql');
    const result = await compose({
      SUPERGRAPH_CONFIG: path.join(__dirname, 'fixtures', 'inconsistent', 'supergraph.yaml'),
      SUPERGRAPH_OUT: out,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/composition failed with 1 error/);
    expect(result.stderr).toMatch(/INCONSISTENT_DESCRIPTION: Element "Product" has inconsistent descriptions/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('writes the same supergraph as the committed one, and --check agrees', async () => {
    const out = path.join(tmp, 'supergraph.graphql');
    const result = await compose({ SUPERGRAPH_OUT: out });
    expect(result.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8'));
    const check = await compose({}, ['--check']);
    expect(check.stderr).toMatch(/up to date/);
    expect(check.code).toBe(0);
  });

  it('--check fails on a stale file', async () => {
    const stale = path.join(tmp, 'stale.graphql');
    fs.writeFileSync(stale, '# old\n');
    const check = await compose({ SUPERGRAPH_OUT: stale }, ['--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/stale/);
  });
});
