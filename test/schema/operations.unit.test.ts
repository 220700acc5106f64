/**
 * The client operations (schema/operations/*.graphql) against the committed supergraph, as the router
 * serves it (its API schema): every operation validates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, validate, type GraphQLSchema } from 'graphql';
import { clientOperations, operation, operationFiles, OPERATIONS_DIR } from '../../schema/operations';

const SUPERGRAPH = path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql');

let api: GraphQLSchema;
beforeAll(() => {
  api = Supergraph.build(fs.readFileSync(SUPERGRAPH, 'utf8')).apiSchema().toGraphQLJSSchema();
});

const all = [...clientOperations().values()];

function errorsOf(name: string): string[] {
  const op = clientOperations().get(name);
  if (!op) throw new Error(`no operation ${name}`);
  return validate(api, { kind: Kind.DOCUMENT, definitions: [op.definition] }).map((e) => e.message);
}

describe('client operations (schema/operations)', () => {
  it('hold the contract operations and the others the clients send, each named once across the files', () => {
    const names: string[] = [];
    for (const file of operationFiles()) {
      for (const def of parse(fs.readFileSync(path.join(OPERATIONS_DIR, file), 'utf8')).definitions) {
        expect({ file, kind: def.kind }).toEqual({ file, kind: Kind.OPERATION_DEFINITION });
        if (def.kind === Kind.OPERATION_DEFINITION) names.push(def.name?.value ?? `(anonymous in ${file})`);
      }
    }
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(new Set(names)).toEqual(new Set(all.map((o) => o.name)));
    expect(names).toEqual(
      expect.arrayContaining([
        'CatalogPage',
        'ProductDetail',
        'Me',
        'AddToCart',
        'Checkout',
        'StoreStock',
        'Dashboard',
      ]),
    );
    expect(() => operation('NoSuchOperation')).toThrow(/no client operation named NoSuchOperation/);
  });

  it.each(all.map((op) => [op.name, op.file]))('%s (%s) validates against the supergraph', (name) => {
    expect(errorsOf(name)).toEqual([]);
  });
});
