/**
 * docs/events.md read as data: the envelope's fields and, per event type, its producer, version and
 * data fields (`lines[].productId` for the fields of list items), so that tests can hold what the
 * producers emit, and what reports parses, to the document.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface DocumentedEvent {
  type: string;
  version: number;
  source: string;
  /** Field paths of `data`, e.g. `orderId`, `lines[].quantity`. */
  fields: string[];
}

/** The envelope's fields, in the order the document lists them and every producer writes them. */
export const ENVELOPE_FIELDS = [
  'id',
  'type',
  'version',
  'occurredAt',
  'source',
  'correlationId',
  'aggregate',
  'sequence',
  'data',
] as const;

export interface EventContract {
  envelope: string[];
  events: DocumentedEvent[];
}

const DOC = path.join(__dirname, '..', '..', 'docs', 'events.md');

/** The first column of each row of the markdown table that starts after `from` in `text`. */
function tableFields(text: string): string[] {
  const fields: string[] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      const first = /^\|\s*`([^`]+)`\s*\|/.exec(line);
      if (first) fields.push(first[1]!);
      inTable = true;
    } else if (inTable) break;
  }
  return fields;
}

export function readEventContract(file = DOC): EventContract {
  const text = fs.readFileSync(file, 'utf8');
  const envelopeAt = text.indexOf('\n## Envelope');
  if (envelopeAt < 0) throw new Error('docs/events.md has no "## Envelope" section');
  const envelope = tableFields(text.slice(envelopeAt));
  const events: DocumentedEvent[] = [];
  const heading = /^### ([a-z]+\.[a-z_]+) \(v(\d+)\)$/gm;
  let m: RegExpExecArray | null;
  while ((m = heading.exec(text))) {
    const section = text.slice(m.index + m[0].length).split('\n### ')[0]!;
    const source = /Producer: \*\*([a-z]+)\*\*/.exec(section)?.[1];
    if (!source) throw new Error(`docs/events.md: ${m[1]} names no producer`);
    events.push({ type: m[1]!, version: Number(m[2]), source, fields: tableFields(section) });
  }
  return { envelope, events };
}

/**
 * The field paths of an event's data as emitted: object keys, and `key[].sub` for the keys of the
 * objects in a list (every item's, so one odd item shows).
 */
export function dataFieldPaths(data: Record<string, unknown>): string[] {
  const paths = new Set<string>();
  for (const [key, value] of Object.entries(data)) {
    if (Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
      if (value.length === 0) paths.add(`${key}[]`);
      for (const item of value) for (const sub of Object.keys(item as object)) paths.add(`${key}[].${sub}`);
    } else {
      paths.add(key);
    }
  }
  return [...paths].sort();
}

/** What is wrong with one published envelope against the document; [] when it conforms. */
export function contractViolations(contract: EventContract, envelope: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const keys = Object.keys(envelope);
  if (keys.join(',') !== contract.envelope.join(',')) {
    problems.push(`envelope keys ${keys.join(',')} are not the documented ${contract.envelope.join(',')}`);
  }
  const doc = contract.events.find((e) => e.type === envelope.type && e.version === envelope.version);
  if (!doc) return [...problems, `${String(envelope.type)} v${String(envelope.version)} is not documented`];
  if (doc.source !== envelope.source)
    problems.push(`${doc.type} is documented for ${doc.source}, emitted by ${String(envelope.source)}`);
  const data = (envelope.data ?? {}) as Record<string, unknown>;
  const emitted = dataFieldPaths(data);
  // An empty list shows as `lines[]`: documented when any `lines[].x` is.
  const documented = new Set(doc.fields);
  for (const f of doc.fields) if (f.includes('[].')) documented.add(`${f.split('[].')[0]}[]`);
  const extra = emitted.filter((f) => !documented.has(f));
  if (extra.length) problems.push(`${doc.type}: undocumented data fields ${extra.join(', ')}`);
  const listsEmitted = new Set(emitted.filter((f) => f.endsWith('[]')).map((f) => f.slice(0, -2)));
  const missing = doc.fields.filter((f) => {
    const list = f.includes('[].') ? f.split('[].')[0]! : null;
    if (list && listsEmitted.has(list)) return false; // an empty list carries no item fields
    return !emitted.includes(f);
  });
  if (missing.length) problems.push(`${doc.type}: documented data fields missing ${missing.join(', ')}`);
  return problems;
}
