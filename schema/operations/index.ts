/**
 * The client operations the project serves, from the .graphql documents in this folder: the one copy
 * that tests, the bench, the k6 scripts (which `open()` the files) and the generated typed documents
 * (generated.ts, `npm run codegen`) are made from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';

export const OPERATIONS_DIR = __dirname;

export interface ClientOperation {
  name: string;
  /** query, mutation or subscription. */
  type: OperationDefinitionNode['operation'];
  /** The operation's text as sent, printed from its document. */
  source: string;
  definition: OperationDefinitionNode;
  /** File name in this folder, e.g. "catalogue.graphql". */
  file: string;
}

export function operationFiles(dir = OPERATIONS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
}

let cache: Map<string, ClientOperation> | null = null;

/** Every operation of every document in this folder, by name; names are unique across files. */
export function clientOperations(dir = OPERATIONS_DIR): Map<string, ClientOperation> {
  if (dir === OPERATIONS_DIR && cache) return cache;
  const found = new Map<string, ClientOperation>();
  for (const file of operationFiles(dir)) {
    const doc = parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const def of doc.definitions) {
      if (def.kind !== Kind.OPERATION_DEFINITION) throw new Error(`${file}: only operations belong here`);
      const name = def.name?.value;
      if (!name) throw new Error(`${file}: every operation needs a name`);
      if (found.has(name)) throw new Error(`${file}: operation ${name} is defined twice`);
      found.set(name, { name, type: def.operation, source: print(def), definition: def, file });
    }
  }
  if (dir === OPERATIONS_DIR) cache = found;
  return found;
}

/** The text of one operation, to send as `query`; throws for a name that is not in this folder. */
export function operation(name: string): string {
  const op = clientOperations().get(name);
  if (!op) throw new Error(`no client operation named ${name} in schema/operations`);
  return op.source;
}
