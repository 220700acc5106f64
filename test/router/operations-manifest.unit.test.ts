/**
 * Gate: schema/operations/persisted-query-manifest.json (the trusted documents, ADR 0027) is what
 * `npm run operations:manifest` makes from schema/operations now, and each body is exactly what
 * Apollo Client sends for that operation, so a client's id and the router's body agree.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { Supergraph } from '@apollo/federation-internals';
import { parse, print } from 'graphql';
import { of } from 'rxjs';
import { clientOperations } from '../../schema/operations';
import { DEFAULT_LIMITS, OperationScreen } from '../../router/operation-limits';
import { loadManifest, MANIFEST_PATH, sha256Hex } from '../../router/persisted-queries';
import { buildManifest, MANIFEST_FILE, renderManifest } from '../../scripts/operations-manifest';

const manifest = loadManifest();

describe('the trusted documents manifest', () => {
  it('is current (run `npm run operations:manifest` and commit the file when this fails)', () => {
    expect(MANIFEST_FILE).toBe(MANIFEST_PATH);
    expect(fs.readFileSync(MANIFEST_FILE, 'utf8')).toBe(renderManifest());
  });

  it('has every client operation once, in Apollo’s format, each id the sha256 of its body', () => {
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.version).toBe(1);
    const operations = clientOperations();
    expect(manifest.operations.map((o) => o.name).sort()).toEqual([...operations.keys()].sort());
    for (const op of manifest.operations) {
      expect(op.id).toBe(sha256Hex(op.body));
      expect(op.type).toBe(operations.get(op.name)?.type);
    }
    expect(new Set(manifest.operations.map((o) => o.id)).size).toBe(manifest.operations.length);
  });

  it('adds __typename to every selection set but the root one, as Apollo Client does', () => {
    const catalog = manifest.operations.find((o) => o.name === 'CatalogPage');
    expect(catalog?.body).toMatch(
      /^query CatalogPage\(\$first: Int!, \$after: String, \$filter: ProductFilter\) {\n {2}products\(/,
    );
    expect(catalog?.body).toContain('      endCursor\n      __typename\n    }');
    // The root selection set has no __typename.
    expect(catalog?.body.endsWith('    __typename\n  }\n}')).toBe(true);
  });

  it('each body is byte for byte what Apollo Client 4 sends for the operation', async () => {
    const sent: string[] = [];
    const link = new ApolloLink((op) => {
      sent.push(print(op.query));
      return of({ data: null });
    });
    const client = new ApolloClient({ cache: new InMemoryCache(), link });
    for (const op of manifest.operations) {
      const document = parse(clientOperations().get(op.name)!.source);
      sent.length = 0;
      if (op.type === 'mutation') await client.mutate({ mutation: document, variables: {} }).catch(() => undefined);
      else await client.query({ query: document, variables: {}, fetchPolicy: 'no-cache' }).catch(() => undefined);
      expect({ name: op.name, sent: sent[0] }).toEqual({ name: op.name, sent: op.body });
    }
  });

  it('keeps fragments: a spread brings its fragment (and the fragments it spreads), sorted after the operation', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'a.graphql'),
        'query Shelf { products(first: 2) { edges { node { ...Tile } } } }\nfragment Tile on Product { id ...Price }\n',
      );
      fs.writeFileSync(path.join(dir, 'b.graphql'), 'fragment Price on Product { price { amount } }\n');
      const [shelf] = buildManifest(dir).operations;
      expect(shelf?.body).toBe(
        [
          'query Shelf {',
          '  products(first: 2) {',
          '    edges {',
          '      node {',
          '        ...Tile',
          '        __typename',
          '      }',
          '      __typename',
          '    }',
          '    __typename',
          '  }',
          '}',
          '',
          'fragment Price on Product {',
          '  price {',
          '    amount',
          '    __typename',
          '  }',
          '  __typename',
          '}',
          '',
          'fragment Tile on Product {',
          '  id',
          '  ...Price',
          '  __typename',
          '}',
        ].join('\n'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a body costs what its operation as written costs (__typename is free) and is within the default limits', () => {
    const api = Supergraph.build(
      fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'),
    )
      .apiSchema()
      .toGraphQLJSSchema();
    const screen = new OperationScreen(api, { ...DEFAULT_LIMITS });
    // With no cost allowed, every refusal carries the operation's estimated cost as its value.
    const priced = new OperationScreen(api, { ...DEFAULT_LIMITS, maxCost: 0 });
    const variables = { first: 20 };
    for (const op of manifest.operations) {
      const source = clientOperations().get(op.name)!.source;
      const cost = (query: string) => priced.screen({ query, variables })?.value;
      expect({ name: op.name, cost: cost(op.body) }).toEqual({ name: op.name, cost: cost(source) });
      expect({ name: op.name, refusal: screen.screen({ query: op.body, variables }) }).toEqual({
        name: op.name,
        refusal: null,
      });
    }
  });
});
