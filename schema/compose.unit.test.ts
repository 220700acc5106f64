import fs from 'node:fs';
import path from 'node:path';
import { composeSubgraphs, composeSupergraph, DEFAULT_OUTPUT_PATH, readConfig } from './compose';

const BROKEN = path.join(__dirname, '..', 'test', 'e2e', 'fixtures', 'broken');

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

  it('lists the five subgraphs of the design at their default ports, in rover format', () => {
    const entries = readConfig();
    expect(entries.map((e) => [e.name, new URL(e.url).port])).toEqual([
      ['products', '4001'],
      ['inventory', '4002'],
      ['ecommerce', '4003'],
      ['retail', '4004'],
      ['reports', '4005'],
    ]);
    expect(entries.every((e) => e.file.endsWith(path.join('subgraphs', e.name, 'schema.graphql')))).toBe(true);
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
