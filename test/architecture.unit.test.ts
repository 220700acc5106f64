/**
 * The domain layer (subgraphs/<name>/domain) is free of GraphQL, HTTP and metrics: its files import
 * none of those packages, and take from the kit only what '../../kit/domain' exports (the kit's full
 * barrel loads the GraphQL host). Nor may it reach them through a module it imports at run time
 * (an adapter, or the kit's barrel re-exported elsewhere): type-only imports vanish when compiled
 * and are not followed.
 *
 * And no subgraph's code imports another subgraph's (docs/architecture.md, ownership rules): only the
 * kit, its own files (generated/ included) and packages; the kit imports no subgraph. Tests and their
 * helpers, which start one subgraph beside another, live under test/, outside this rule.
 *
 * And test code lives under test/ and loadtests/ only: no test file, snapshot or test helper in a
 * production folder, and nothing outside those two imports from them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const SUBGRAPHS = path.join(ROOT, 'subgraphs');
const KIT = path.join(SUBGRAPHS, 'kit');
const KIT_DOMAIN = path.join(KIT, 'domain.ts');

/** Packages the domain must not load: GraphQL (and its tooling), Apollo, HTTP clients and servers, metrics. */
function forbiddenPackage(spec: string): string | null {
  if (spec === 'graphql' || spec.startsWith('graphql/') || spec.startsWith('graphql-') || spec.startsWith('@graphql-'))
    return 'GraphQL';
  if (spec.startsWith('@apollo/')) return 'Apollo';
  if (['undici', 'node:http', 'node:https', 'node:http2', 'http', 'https', 'http2'].includes(spec)) return 'HTTP';
  if (spec === 'prom-client') return 'metrics';
  return null;
}

interface ImportRef {
  spec: string;
  /** Erased at compile time (`import type`, `export type`, or every named binding type-only). */
  typeOnly: boolean;
  line: number;
}

function importsOf(file: string): ImportRef[] {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: ImportRef[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean, node: ts.Node) => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    found.push({ spec: spec.text, typeOnly, line });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypeOnly =
        !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, !!clause && (clause.isTypeOnly || (!clause.name && allNamedTypeOnly)), node);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause;
      const allNamedTypeOnly =
        !!named && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, node.isTypeOnly || allNamedTypeOnly, node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly, node);
    } else if (ts.isCallExpression(node)) {
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isRequire || node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The .ts file a relative specifier names, or null for a package. */
function resolveRelative(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return `${base}.ts`;
}

const rel = (file: string) => path.relative(ROOT, file);

/** The TypeScript files (not declarations) in `dir` and below. */
function tsFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The folders of subgraphs/ (the kit included). */
const subgraphDirs = () =>
  fs
    .readdirSync(SUBGRAPHS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(SUBGRAPHS, entry.name));

function domainFiles(): string[] {
  return subgraphDirs()
    .map((dir) => path.join(dir, 'domain'))
    .filter((dir) => fs.existsSync(dir))
    .flatMap(tsFilesUnder)
    .filter((file) => !file.endsWith('.test.ts'))
    .sort();
}

const DOMAIN_FILES = domainFiles();
const DOMAIN_SET = new Set(DOMAIN_FILES);

describe('architecture: the domain layer is free of GraphQL, HTTP and metrics', () => {
  it('finds the domain folders of the subgraphs', () => {
    const subgraphs = new Set(DOMAIN_FILES.map((f) => path.relative(SUBGRAPHS, f).split(path.sep)[0]));
    expect([...subgraphs].sort()).toEqual(expect.arrayContaining(['ecommerce', 'inventory', 'products']));
  });

  it('no file under subgraphs/*/domain imports graphql, @apollo/*, undici, node:http(s) or prom-client', () => {
    const violations: string[] = [];
    for (const file of DOMAIN_FILES) {
      for (const ref of importsOf(file)) {
        const what = forbiddenPackage(ref.spec);
        if (what) violations.push(`${rel(file)}:${ref.line} imports ${ref.spec} (${what})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("domain code takes from the kit only what '../../kit/domain' exports, never the kit's barrel or another kit module", () => {
    const violations: string[] = [];
    for (const file of DOMAIN_FILES) {
      for (const ref of importsOf(file)) {
        const target = resolveRelative(file, ref.spec);
        if (!target || !target.startsWith(KIT + path.sep) || target === KIT_DOMAIN) continue;
        const barrel = target === path.join(KIT, 'index.ts') ? " (the kit's full barrel)" : '';
        violations.push(`${rel(file)}:${ref.line} imports ${ref.spec}${barrel}; use '../../kit/domain'`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('nor does it load them through a module it imports at run time', () => {
    // "domain/x.ts -> the module it imports": the forbidden packages reached through that module.
    const reached = new Map<string, Set<string>>();
    const parsed = new Map<string, string[]>();
    const runtimeImports = (file: string) => {
      let specs = parsed.get(file);
      if (!specs) {
        specs = importsOf(file)
          .filter((r) => !r.typeOnly)
          .map((r) => r.spec);
        parsed.set(file, specs);
      }
      return specs;
    };
    for (const start of DOMAIN_FILES) {
      const queue: { file: string; via: string | null }[] = [{ file: start, via: null }];
      const visited = new Set<string>();
      while (queue.length) {
        const { file, via } = queue.shift()!;
        if (visited.has(file) || !fs.existsSync(file)) continue;
        visited.add(file);
        for (const spec of runtimeImports(file)) {
          const what = forbiddenPackage(spec);
          // Direct imports are the first test's; here only what arrives through another module.
          if (what && via) {
            const key = `${rel(start)} -> ${via}`;
            reached.set(key, (reached.get(key) ?? new Set()).add(spec));
          }
          const target = resolveRelative(file, spec);
          // Another domain file is checked as a start of its own.
          if (target && !DOMAIN_SET.has(target)) queue.push({ file: target, via: via ?? rel(target) });
        }
      }
    }
    const violations = [...reached].map(([chain, specs]) => `${chain} loads ${[...specs].sort().join(', ')}`);
    expect(violations).toEqual([]);
  });

  describe('the checks themselves', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'architecture-probe-'));
    const probe = path.join(tmp, 'probe.ts');
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('see value, type-only, re-export, require and dynamic imports', () => {
      fs.writeFileSync(
        probe,
        [
          "import { GraphQLError } from 'graphql';",
          "import type { Counter } from 'prom-client';",
          "import { type Dispatcher } from 'undici';",
          "export { ApolloServer } from '@apollo/server';",
          "const http = require('node:http');",
          "const kit = import('../../kit');",
          "import { userError } from '../../kit/domain';",
          'export type T = import("../../kit/index").Metrics;',
        ].join('\n'),
      );
      const refs = importsOf(probe).map((r) => [r.spec, r.typeOnly]);
      expect(refs).toEqual([
        ['graphql', false],
        ['prom-client', true],
        ['undici', true],
        ['@apollo/server', false],
        ['node:http', false],
        ['../../kit', false],
        ['../../kit/domain', false],
        ['../../kit/index', true],
      ]);
      expect(refs.map(([spec]) => forbiddenPackage(spec as string))).toEqual([
        'GraphQL',
        'metrics',
        'HTTP',
        'Apollo',
        'HTTP',
        null,
        null,
        null,
      ]);
      const domainFile = path.join(SUBGRAPHS, 'products', 'domain', 'any.ts');
      expect(resolveRelative(domainFile, '../../kit')).toBe(path.join(KIT, 'index.ts'));
      expect(resolveRelative(domainFile, '../../kit/domain')).toBe(KIT_DOMAIN);
      expect(resolveRelative(domainFile, 'graphql')).toBeNull();
    });
  });
});

/** A subgraph's folder under subgraphs/ (the kit included), or null for a file elsewhere. */
function subgraphOf(file: string): string | null {
  const rel = path.relative(SUBGRAPHS, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const [top, ...rest] = rel.split(path.sep);
  return rest.length > 0 && top ? top : null;
}

/**
 * Why `spec`, imported by `file` (code of the subgraph `own`), leaves what a subgraph may import: its
 * own files (generated/ included) and the kit; null when allowed. Packages (node's and npm's) are
 * not relative and always allowed. The kit itself may import no subgraph.
 */
function crossImport(file: string, spec: string): string | null {
  const own = subgraphOf(file);
  const target = resolveRelative(file, spec);
  if (!own || !target) return null;
  const reached = subgraphOf(target);
  if (reached === own || (reached === 'kit' && own !== 'kit')) return null;
  return reached
    ? `another subgraph's code (${reached})`
    : `code outside the subgraphs (${path.relative(ROOT, target)})`;
}

function subgraphCodeFiles(): string[] {
  return subgraphDirs().flatMap(tsFilesUnder).sort();
}

describe('architecture: no subgraph imports another subgraph', () => {
  const files = subgraphCodeFiles();

  it('finds the code of every subgraph and of the kit', () => {
    const folders = new Set(files.map((f) => subgraphOf(f)));
    expect([...folders].sort()).toEqual(['ecommerce', 'inventory', 'kit', 'products', 'reports', 'retail']);
  });

  it("a subgraph's code imports only the kit, its own files, its generated files and packages; the kit no subgraph", () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const ref of importsOf(file)) {
        const why = crossImport(file, ref.spec);
        if (why) violations.push(`${rel(file)}:${ref.line} imports ${ref.spec}: ${why}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the check sees a reach into another subgraph or out of the subgraphs, and lets the kit and packages through', () => {
    const retail = path.join(SUBGRAPHS, 'retail', 'domain', 'any.ts');
    const kit = path.join(SUBGRAPHS, 'kit', 'clients', 'any.ts');
    expect(crossImport(retail, '../../ecommerce/domain/types')).toBe("another subgraph's code (ecommerce)");
    expect(crossImport(retail, '../../../schema/operations')).toBe(
      'code outside the subgraphs (schema/operations/index.ts)',
    );
    expect(crossImport(retail, '../../kit/domain')).toBeNull();
    expect(crossImport(retail, '../generated/resolvers')).toBeNull();
    expect(crossImport(retail, './types')).toBeNull();
    expect(crossImport(retail, '@mikro-orm/postgresql')).toBeNull();
    expect(crossImport(kit, '../../inventory/server')).toBe("another subgraph's code (inventory)");
    expect(crossImport(kit, '../server')).toBeNull();
    // No exemption for tests any more: they live under test/ (below), where this check does not look.
    const test = path.join(SUBGRAPHS, 'inventory', 'stock.subgraph.test.ts');
    expect(crossImport(test, '../products/server')).toBe("another subgraph's code (products)");
  });
});

/** Where test and bench code may live: these top-level folders, and nowhere else. */
const TEST_FOLDERS = ['test', 'loadtests'];

const inTestFolder = (relative: string) => TEST_FOLDERS.includes(relative.split('/')[0] ?? '');

/** A test file, a jest snapshot or a test helper, by its name (wherever it sits). */
function isTestCode(relative: string): boolean {
  const parts = relative.split('/');
  const name = parts[parts.length - 1] ?? '';
  return (
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(name) ||
    name.endsWith('.snap') ||
    /^test-helpers?\.[cm]?[jt]s$/.test(name) ||
    parts.some((p) => p === '__snapshots__' || p === '__tests__' || p === '__mocks__')
  );
}

/** Why `spec`, imported by `relative` (a repository path), reaches test code from outside it; null when it does not. */
function reachIntoTests(relative: string, spec: string): string | null {
  if (inTestFolder(relative)) return null;
  const target = resolveRelative(path.join(ROOT, relative), spec);
  if (!target) return null;
  const reached = path.relative(ROOT, target).split(path.sep).join('/');
  return inTestFolder(reached) ? `${reached} (test code)` : null;
}

/** The repository's files: tracked, plus new ones git does not ignore. */
function repositoryFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
}

describe('architecture: test code lives under test/ and loadtests/', () => {
  const files = repositoryFiles();

  it('finds the tests, their helpers and the production code', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'test/architecture.unit.test.ts',
        'test/subgraphs/retail/helpers.ts',
        'test/schema/__snapshots__/query-plans.unit.test.ts.snap',
        'subgraphs/kit/index.ts',
        'router/index.ts',
      ]),
    );
  });

  it('no test file, snapshot or test helper outside test/ and loadtests/', () => {
    expect(files.filter((f) => !inTestFolder(f) && isTestCode(f))).toEqual([]);
  });

  it('nothing outside test/ and loadtests/ imports from them', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => /\.[cm]?tsx?$/.test(f) && !f.endsWith('.d.ts') && !inTestFolder(f))) {
      for (const ref of importsOf(path.join(ROOT, file))) {
        const why = reachIntoTests(file, ref.spec);
        if (why) violations.push(`${file}:${ref.line} imports ${ref.spec}: ${why}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the checks see test files and helpers by name and a reach into test/ or loadtests/ from elsewhere', () => {
    expect(isTestCode('subgraphs/retail/sales.subgraph.test.ts')).toBe(true);
    expect(isTestCode('subgraphs/retail/test-helpers.ts')).toBe(true);
    expect(isTestCode('schema/__snapshots__/query-plans.unit.test.ts.snap')).toBe(true);
    expect(isTestCode('router/operation-limits.spec.ts')).toBe(true);
    expect(isTestCode('subgraphs/retail/server.ts')).toBe(false);
    expect(isTestCode('subgraphs/kit/sql.ts')).toBe(false);
    expect(reachIntoTests('subgraphs/retail/server.ts', '../../test/helpers/db')).toBe(
      'test/helpers/db.ts (test code)',
    );
    expect(reachIntoTests('router/server.ts', '../loadtests/util')).toBe('loadtests/util.ts (test code)');
    expect(reachIntoTests('scripts/start.ts', '../test/subgraphs/retail/helpers')).toBe(
      'test/subgraphs/retail/helpers.ts (test code)',
    );
    expect(reachIntoTests('subgraphs/retail/server.ts', './seed')).toBeNull();
    expect(reachIntoTests('subgraphs/retail/server.ts', 'jest')).toBeNull();
    expect(reachIntoTests('loadtests/reports.ts', '../test/subgraphs/reports/helpers')).toBeNull();
    expect(reachIntoTests('test/e2e/x.e2e.test.ts', '../../subgraphs/kit')).toBeNull();
  });
});
