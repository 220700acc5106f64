import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
// The shared contract sits beside the repository (../shared), here and in CI.
const CHECKER = path.join(ROOT, '..', 'shared', 'tools', 'check-contract.cjs');

/** Contract operations that must validate once the subgraphs they need are in the supergraph. */
const REQUIRED: { needs: string[]; operations: string[] }[] = [
  { needs: ['products'], operations: ['SearchProducts', 'CategoryTree', 'CreateProduct', 'ChangeProductPrice'] },
  { needs: ['products', 'inventory'], operations: ['CatalogPage', 'LowStock', 'AdjustStock'] },
  {
    needs: ['products', 'inventory', 'retail'],
    operations: ['StoreStock', 'RequestReplenishment', 'ApproveReplenishment'],
  },
  {
    needs: ['products', 'inventory', 'ecommerce'],
    operations: ['RegisterCustomer', 'Login', 'Me', 'AddToCart', 'Checkout', 'CancelOrder'],
  },
  { needs: ['products', 'inventory', 'reports'], operations: ['ProductDetail'] },
];

function subgraphsInSupergraph(): string[] {
  const sdl = fs.readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  return [...sdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((m) => m[1] as string);
}

interface Result {
  name: string;
  ok: boolean;
  errors: string[];
}

describe('client contract (../shared/contract/operations.graphql)', () => {
  it('the operations of every subgraph in the committed supergraph validate', async () => {
    let stdout: string;
    try {
      ({ stdout } = await run(process.execPath, [CHECKER, '--json'], { cwd: ROOT }));
    } catch (err) {
      // Exit 1 only means some operation (of a subgraph not built yet) does not validate.
      const e = err as { code?: number; stdout?: string; stderr?: string };
      if (e.code !== 1) throw new Error(`check-contract failed to run (${e.code}): ${e.stdout}${e.stderr}`);
      stdout = e.stdout ?? '';
    }
    const results = JSON.parse(stdout) as Result[];
    const present = new Set(subgraphsInSupergraph());
    const expected = REQUIRED.filter((r) => r.needs.every((n) => present.has(n))).flatMap((r) => r.operations);
    expect(expected).toContain('CatalogPage');
    const failing = results
      .filter((r) => expected.includes(r.name) && !r.ok)
      .map((r) => `${r.name}: ${r.errors.join(' | ')}`);
    expect(failing).toEqual([]);
    expect(results.map((r) => r.name)).toEqual(expect.arrayContaining(expected));
  });
});
