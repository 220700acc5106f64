/**
 * Persisted operations, the way the project's first-party consumers send them (issue 14): the id of
 * each operation comes from the trusted-documents manifest (schema/operations/
 * persisted-query-manifest.json, written by `npm run operations:manifest`), looked up by operation
 * name; an operation the manifest does not list, or a build made before the manifest existed, falls
 * back to Automatic Persisted Queries, whose id is the sha256 of the document as sent. Either way the
 * first request carries only the id; the full document follows only when the router asks for it.
 */
import { Kind, print, type DocumentNode } from 'graphql';

interface ManifestOperation {
  id: string;
  name: string;
  type: string;
  body: string;
}
interface Manifest {
  format: string;
  version: number;
  operations: ManifestOperation[];
}

// Read at build time: an empty match when the manifest does not exist yet.
const found = import.meta.glob<Manifest>('../../schema/operations/persisted-query-manifest.json', {
  eager: true,
  import: 'default',
});
const manifest: Manifest | undefined = Object.values(found)[0];

/** Manifest ids by operation name. */
export const MANIFEST_IDS: ReadonlyMap<string, string> = new Map(
  (manifest?.operations ?? []).map((op) => [op.name, op.id]),
);

function operationName(document: DocumentNode): string | null {
  for (const def of document.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) return def.name?.value ?? null;
  }
  return null;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The id to send for a document: its manifest id, else the APQ hash of its text. */
export async function persistedId(document: DocumentNode): Promise<string> {
  const name = operationName(document);
  const id = name ? MANIFEST_IDS.get(name) : undefined;
  return id ?? sha256Hex(print(document));
}

/**
 * Whether the APQ fallback can hash here: browsers give WebCrypto only to secure origins (https, or
 * localhost), so a tablet reaching the app over plain http on a LAN sends full documents instead.
 */
export function canHash(): boolean {
  return typeof crypto !== 'undefined' && typeof crypto.subtle?.digest === 'function';
}
