/**
 * `npm run operations:manifest`: the trusted documents (ADR 0027), written to
 * schema/operations/persisted-query-manifest.json in Apollo's persisted query manifest format, from
 * every operation of schema/operations/*.graphql with the fragments it uses.
 *
 * Each body is the document as Apollo Client sends it, as @apollo/generate-persisted-query-manifest
 * makes it: Apollo Client's own addTypenameToDocument (`__typename` in every selection set but the
 * operation's root one), the operation first and its fragments after it by name, printed by
 * graphql-js; the id is the sha256 hex of the body. A client looks an id up by operation name; the
 * router runs the body of an id it receives (router/persisted-queries.ts).
 *
 *   npm run operations:manifest              write the file
 *   npm run operations:manifest -- --check   exit 1 when the committed file differs
 */
import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { addTypenameToDocument } from '@apollo/client/utilities';
import {
  Kind,
  parse,
  print,
  validate,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { operationFiles, OPERATIONS_DIR } from '../schema/operations';
import { sha256Hex, type ManifestOperation, type PersistedQueryManifest } from '../router/persisted-queries';
import { runMain } from './cli';

export const MANIFEST_FILE = path.join(OPERATIONS_DIR, 'persisted-query-manifest.json');
const SUPERGRAPH = path.join(__dirname, '..', 'schema', 'supergraph.graphql');

interface Definitions {
  operations: Map<string, OperationDefinitionNode>;
  fragments: Map<string, FragmentDefinitionNode>;
}

function definitionsOf(dir: string): Definitions {
  const found: Definitions = { operations: new Map(), fragments: new Map() };
  for (const file of operationFiles(dir)) {
    for (const def of parse(fs.readFileSync(path.join(dir, file), 'utf8')).definitions) {
      const name = 'name' in def ? def.name?.value : undefined;
      if (def.kind === Kind.OPERATION_DEFINITION || def.kind === Kind.FRAGMENT_DEFINITION) {
        if (!name) throw new Error(`${file}: every operation needs a name`);
        const into: Map<string, DefinitionNode> =
          def.kind === Kind.OPERATION_DEFINITION ? found.operations : found.fragments;
        if (into.has(name)) throw new Error(`${file}: ${name} is defined twice`);
        into.set(name, def);
      } else {
        throw new Error(`${file}: only operations and fragments belong here`);
      }
    }
  }
  return found;
}

/** The fragments a definition spreads, and theirs, by name. */
function fragmentsUsed(root: DefinitionNode, fragments: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.has(name)) return;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`fragment ${name} is not defined in schema/operations`);
        used.set(name, fragment);
        walk(fragment);
      },
    });
  walk(root);
  return [...used.values()];
}

/**
 * Operations first, then fragments, each kind by name: the order of Apollo's sortTopLevelDefinitions
 * (@apollo/persisted-query-lists), so a body does not depend on where a fragment was written.
 */
function sortTopLevelDefinitions(doc: DocumentNode): DocumentNode {
  const rank = (d: DefinitionNode) => (d.kind === Kind.OPERATION_DEFINITION ? 0 : 1);
  const name = (d: DefinitionNode) => ('name' in d && d.name ? d.name.value : '');
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const definitions = [...doc.definitions].sort((a, b) => rank(a) - rank(b) || byName(name(a), name(b)));
  return { ...doc, definitions };
}

export function buildManifest(dir = OPERATIONS_DIR, supergraphSdl = fs.readFileSync(SUPERGRAPH, 'utf8')) {
  const schema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const { operations, fragments } = definitionsOf(dir);
  const list: ManifestOperation[] = [];
  for (const [name, operation] of [...operations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [operation, ...fragmentsUsed(operation, fragments)],
    };
    const errors = validate(schema, document);
    if (errors.length) throw new Error(`${name} does not validate against the supergraph: ${errors[0]!.message}`);
    const body = print(sortTopLevelDefinitions(addTypenameToDocument(document)));
    list.push({ id: sha256Hex(body), name, type: operation.operation, body });
  }
  const manifest: PersistedQueryManifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: list };
  return manifest;
}

/** The manifest as committed: two-space JSON, which is also how prettier formats it. */
export function renderManifest(manifest: PersistedQueryManifest = buildManifest()): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

async function main(): Promise<number> {
  const text = renderManifest();
  const rel = path.relative(process.cwd(), MANIFEST_FILE);
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(MANIFEST_FILE) ? fs.readFileSync(MANIFEST_FILE, 'utf8') : '';
    if (committed !== text) {
      console.error(`operations:manifest: ${rel} is stale; run npm run operations:manifest and commit it`);
      return 1;
    }
    console.error(`operations:manifest: ${rel} is up to date`);
    return 0;
  }
  fs.writeFileSync(MANIFEST_FILE, text);
  console.error(`operations:manifest: wrote ${rel}`);
  return 0;
}

runMain(module, main);
