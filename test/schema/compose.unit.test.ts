import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kind, parse } from 'graphql';
import { DATE_TIME_DESCRIPTION, DECIMAL_DESCRIPTION } from '../../subgraphs/kit/scalars';
import { SUBGRAPH_LIST } from '../../subgraphs/registry';
import {
  composeSubgraphs,
  composeSupergraph,
  DEFAULT_OUTPUT_PATH,
  hintIsError,
  readConfig,
} from '../../schema/compose';

const BROKEN = path.join(__dirname, '..', 'e2e', 'fixtures', 'broken');

describe('supergraph composition', () => {
  it('the committed schema/supergraph.graphql equals a fresh composition of the subgraphs (run `npm run compose` when this fails)', () => {
    const fresh = composeSupergraph();
    expect(fresh.errors).toBeUndefined();
    const committed = fs.readFileSync(DEFAULT_OUTPUT_PATH, 'utf8');
    // A plain equality on two big strings prints an unreadable diff; compare line by line first.
    const freshLines = (fresh.supergraphSdl ?? '').split('\n');
    const committedLines = committed.split('\n');
    const firstDiff = freshLines.findIndex((line, i) => line !== committedLines[i]);
    expect({
      firstDifferentLine: firstDiff === -1 ? null : firstDiff + 1,
      fresh: freshLines[firstDiff],
      committed: committedLines[firstDiff],
    }).toEqual({
      firstDifferentLine: null,
      fresh: undefined,
      committed: undefined,
    });
    expect(committed).toBe(fresh.supergraphSdl);
  });

  it('lists the subgraphs that exist, as the registry does, at their default ports, in rover format', () => {
    const entries = readConfig();
    expect(entries.map((e) => [e.name, new URL(e.url).port])).toEqual(
      SUBGRAPH_LIST.map((e) => [e.name, String(e.port)]),
    );
    expect(entries.map((e) => e.name)).toEqual(
      expect.arrayContaining(['products', 'inventory', 'ecommerce', 'retail']),
    );
    expect(entries.every((e) => e.file.endsWith(path.join('subgraphs', e.name, 'schema.graphql')))).toBe(true);
  });

  it('refuses a config that lists a subgraph without a schema file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-config-'));
    try {
      const config = path.join(dir, 'supergraph.yaml');
      fs.writeFileSync(
        config,
        'federation_version: 2\nsubgraphs:\n  retail:\n    routing_url: http://localhost:4004/graphql\n' +
          '    schema:\n      file: ./retail.graphql\n',
      );
      expect(() => readConfig(config)).toThrow(/subgraph "retail": no schema file/);
      expect(composeSupergraph({ configPath: config }).errors?.[0]).toMatch(/no schema file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('composition hints', () => {
    const sdl = (productDoc: string, extra = '') => `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
      """${productDoc}"""
      type Product @key(fields: "id") { id: ID! ${extra} }
      type Query { product${extra ? 'B' : 'A'}(id: ID!): Product }
    `;

    it('the committed subgraphs compose without any hint', () => {
      expect(composeSupergraph().hints).toEqual([]);
    });

    it("every subgraph describes the kit's scalars with the kit's own descriptions", () => {
      const expected = { DateTime: DATE_TIME_DESCRIPTION, Decimal: DECIMAL_DESCRIPTION };
      const checked: string[] = [];
      for (const entry of readConfig()) {
        const doc = parse(fs.readFileSync(entry.file, 'utf8'));
        for (const def of doc.definitions) {
          if (def.kind !== Kind.SCALAR_TYPE_DEFINITION || !(def.name.value in expected)) continue;
          const name = def.name.value as keyof typeof expected;
          checked.push(`${entry.name}.${name}`);
          expect({ subgraph: entry.name, scalar: name, description: def.description?.value }).toEqual({
            subgraph: entry.name,
            scalar: name,
            description: expected[name],
          });
        }
      }
      expect(checked).toEqual(expect.arrayContaining(['products.DateTime', 'products.Decimal', 'ecommerce.Decimal']));
    });

    it("fails on INCONSISTENT_DESCRIPTION: an extending subgraph must use the owner's description verbatim", () => {
      const result = composeSubgraphs([
        { name: 'owner', url: 'http://a/graphql', typeDefs: sdl('A sellable article.', '') },
        {
          name: 'other',
          url: 'http://b/graphql',
          typeDefs: sdl('A product, as the other subgraph sees it.', 'x: Int'),
        },
      ]);
      expect(result.supergraphSdl).toBeUndefined();
      expect(result.errors).toEqual([
        expect.stringMatching(/^INCONSISTENT_DESCRIPTION: Element "Product" has inconsistent/),
      ]);
    });

    it('composes when the descriptions agree', () => {
      const result = composeSubgraphs([
        { name: 'owner', url: 'http://a/graphql', typeDefs: sdl('A sellable article.', '') },
        { name: 'other', url: 'http://b/graphql', typeDefs: sdl('A sellable article.', 'x: Int') },
      ]);
      expect(result.errors).toBeUndefined();
      expect(result.hints).toEqual([]);
    });

    it.each([
      ['INCONSISTENT_DESCRIPTION', true],
      ['INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE', true],
      ['INCONSISTENT_INPUT_OBJECT_FIELD', true],
      ['INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM', true],
      ['UNUSED_ENUM_TYPE', true],
      ['FROM_SUBGRAPH_DOES_NOT_EXIST', true],
      ['OVERRIDE_MIGRATION_IN_PROGRESS', false],
      ['IMPLICITLY_UPGRADED_FEDERATION_VERSION', false],
      ['MERGED_NON_REPEATABLE_DIRECTIVE_ARGUMENTS', false],
    ])('hint %s is an error: %p', (code, fatal) => {
      expect(hintIsError(code)).toBe(fatal);
    });

    it('prints a hint that is not an error and still composes', () => {
      // A progressive @override (a field moving between subgraphs over several deploys) is a legitimate state.
      const link =
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])';
      const result = composeSubgraphs([
        {
          name: 'old',
          url: 'http://a/graphql',
          typeDefs: `${link} type Product @key(fields: "id") { id: ID! name: String } type Query { p: Product }`,
        },
        {
          name: 'new',
          url: 'http://b/graphql',
          typeDefs: `${link} type Product @key(fields: "id") { id: ID! name: String @override(from: "old", label: "percent(10)") }`,
        },
      ]);
      expect(result.errors).toBeUndefined();
      expect(result.hints).toEqual([expect.stringMatching(/^OVERRIDE_MIGRATION_IN_PROGRESS: /)]);
    });
  });

  it('returns every composition error of an incompatible pair instead of throwing', () => {
    const result = composeSubgraphs([
      { name: 'alpha', url: 'http://a/graphql', typeDefs: fs.readFileSync(path.join(BROKEN, 'a.graphql'), 'utf8') },
      { name: 'beta', url: 'http://b/graphql', typeDefs: fs.readFileSync(path.join(BROKEN, 'b.graphql'), 'utf8') },
    ]);
    expect(result.supergraphSdl).toBeUndefined();
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FIELD_TYPE_MISMATCH: .*Widget\.weight/),
        expect.stringMatching(/^INVALID_FIELD_SHARING: .*Widget\.weight/),
      ]),
    );
  });

  it('reports an SDL that does not parse, naming the subgraph', () => {
    const result = composeSubgraphs([{ name: 'alpha', url: 'http://a/graphql', typeDefs: 'type Query {' }]);
    expect(result.errors?.[0]).toMatch(/^\[alpha\] SDL does not parse/);
  });

  it('composes a broken config file into errors (what `npm run compose` prints)', () => {
    const result = composeSupergraph({ configPath: path.join(BROKEN, 'supergraph.yaml') });
    expect(result.errors?.length).toBeGreaterThanOrEqual(2);
  });
});
