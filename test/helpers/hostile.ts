/**
 * The hostile-input corpus, generated from the API schema (no operation is listed by hand): for every
 * root field with arguments and every field with arguments reachable from a root field, a valid-looking
 * baseline request, then the same request with each input leaf replaced in turn by hostile values.
 * A mutation or argument added to any subgraph adds its cases by itself.
 */
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Ids of live demo rows, by the name of the argument or input field that carries them; a key
 * "<rootField>.<name>" (e.g. "shipOrder.orderId") wins over "<name>" for that root field.
 */
export type IdHints = Record<string, string>;

export interface HostileCase {
  /** Root type of the operation. */
  operation: 'query' | 'mutation';
  /** Dotted path of the field under test from the root, e.g. "me.orders". */
  field: string;
  /** What was replaced and by what, e.g. "input.reason = NUL". */
  label: string;
  query: string;
  variables: Record<string, Json>;
  /** The value breaks a rule the schema documents (a maximum length): the request must be refused. */
  mustRefuse?: boolean;
  /**
   * The value cannot be coerced to its scalar or enum (ADR 0024): the router must refuse the request
   * with a 400 BAD_USER_INPUT naming the variable, before any subgraph is called.
   */
  uncoercible?: boolean;
}

/** A hostile value; `uncoercible` when its type refuses it whatever the field (see HostileCase). */
export interface HostileValue {
  label: string;
  value: Json;
  uncoercible?: boolean;
}

/** The maximum length a description documents: "at most 500 characters", "1 to 100 characters". */
export function documentedMaxLength(description: string | null | undefined): number | null {
  const m = /(?:at most|\bto) ([\d,]+) characters/i.exec(description ?? '');
  return m?.[1] ? Number(m[1].replace(/,/g, '')) : null;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Values no client should be able to turn into a crash, per leaf kind (an enum's by its type's name). */
export function hostileValues(typeName: string, leafName: string, isEnum = false): HostileValue[] {
  const strings: HostileValue[] = [
    { label: 'NUL', value: '\u0000' },
    { label: 'embedded NUL', value: 'prod\u0000-0001' },
    { label: 'control characters', value: 'a\u0007\u001b[31mb' },
    { label: '100 KB', value: 'x'.repeat(100_000) },
    { label: 'emoji', value: '🛒🧾😀' },
    { label: 'empty', value: '' },
    { label: 'blank', value: '   ' },
    { label: 'SQL-looking', value: "x'); drop table products; --" },
    { label: 'LIKE-looking', value: '%_\\%' },
    { label: 'unknown id', value: 'does-not-exist-9f8e7d' },
    { label: 'a boolean', value: true, uncoercible: true },
  ];
  if (leafName === 'after' || leafName === 'before') {
    strings.push(
      { label: 'edited cursor ["abc"]', value: b64(['abc']) },
      { label: 'edited cursor [1e308]', value: b64([1e308]) },
      { label: 'edited cursor [NUL]', value: b64(['\u0000']) },
      { label: 'edited cursor [-1]', value: b64([-1]) },
      { label: 'edited cursor []', value: b64([]) },
      { label: 'edited cursor {}', value: b64({ id: 1 }) },
      { label: 'edited cursor [a,b,c]', value: b64(['a', 'b', 'c']) },
      { label: 'not a cursor', value: 'not-a-cursor!!' },
    );
  }
  switch (typeName) {
    case 'String':
    case 'ID':
      return strings;
    case 'Int':
      return [
        { label: 'negative', value: -1 },
        { label: 'zero', value: 0 },
        { label: '2^31-1', value: 2_147_483_647 },
        { label: '-2^31', value: -2_147_483_648 },
        { label: '2^31', value: 2_147_483_648, uncoercible: true },
        { label: '1e308', value: 1e308, uncoercible: true },
        { label: 'a string', value: 'abc', uncoercible: true },
        { label: 'a fraction', value: 1.5, uncoercible: true },
      ];
    case 'Float':
      return [
        { label: 'negative', value: -1 },
        { label: '1e308', value: 1e308 },
        { label: 'a string', value: 'abc', uncoercible: true },
      ];
    case 'Decimal':
      return [
        { label: '"abc"', value: 'abc', uncoercible: true },
        { label: 'negative', value: '-1.00' },
        { label: 'zero', value: '0' },
        { label: '1e308', value: '1e308', uncoercible: true },
        { label: 'too large', value: '999999999999', uncoercible: true },
        { label: 'three decimals', value: '12.345', uncoercible: true },
        { label: 'a number', value: 12.5, uncoercible: true },
        { label: 'NUL', value: '1\u0000', uncoercible: true },
      ];
    case 'DateTime':
      return [
        { label: '"abc"', value: 'abc', uncoercible: true },
        { label: '"yesterday"', value: 'yesterday', uncoercible: true },
        { label: 'impossible date', value: '2026-13-45T99:99:99Z', uncoercible: true },
        { label: 'no offset', value: '2026-03-01T14:30:00', uncoercible: true },
        { label: 'year 0', value: '0000-01-01T00:00:00Z' },
        { label: 'far future', value: '9999-12-31T23:59:59Z' },
      ];
    case 'Date':
      return [
        { label: '"yesterday"', value: 'yesterday', uncoercible: true },
        { label: 'impossible date', value: '2026-02-30', uncoercible: true },
        { label: 'an instant', value: '2026-03-01T00:00:00Z', uncoercible: true },
        { label: 'year 0', value: '0000-01-01', uncoercible: true },
        { label: 'a number', value: 20260301, uncoercible: true },
        { label: 'NUL', value: '\u0000', uncoercible: true },
        { label: 'far past', value: '1000-01-01' },
        { label: 'far future', value: '9999-12-31' },
      ];
    case 'Boolean':
      return [{ label: 'a string', value: 'yes', uncoercible: true }];
    default:
      // Enums, and a custom scalar this corpus does not know yet (whose rules it cannot tell).
      return isEnum
        ? [
            { label: 'NUL', value: '\u0000', uncoercible: true },
            { label: 'not a value', value: 'NOT_A_VALUE', uncoercible: true },
          ]
        : [{ label: 'NUL', value: '\u0000' }];
  }
}

/** A valid-looking value for a leaf, from the hints where its name says it is an id. */
function baselineLeaf(type: GraphQLNamedType, name: string, hints: IdHints, root: string): Json {
  if (isEnumType(type)) return type.getValues()[0]?.name ?? null;
  const hinted = hints[`${root}.${name}`] ?? hints[name];
  switch (type.name) {
    case 'ID':
      return hinted ?? 'prod-0001';
    case 'String':
      return hinted ?? (name.toLowerCase().includes('email') ? 'alice@example.com' : 'Hostile input test');
    case 'Int':
      return name === 'first' ? 5 : 1;
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'Decimal':
      return '12.50';
    case 'DateTime':
      return new Date().toISOString();
    case 'Date':
      return new Date().toISOString().slice(0, 10);
    default:
      return hinted ?? 'x';
  }
}

/** A baseline value of an input type: every field filled (optional ones too, so each is a leaf to replace). */
export function baselineValue(type: GraphQLInputType, name: string, hints: IdHints, root: string, depth = 0): Json {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [baselineValue(nullable.ofType, name, hints, root, depth + 1)];
  if (isInputObjectType(nullable)) {
    if (depth > 5) return null;
    const out: Record<string, Json> = {};
    for (const field of Object.values(nullable.getFields())) {
      out[field.name] = baselineValue(field.type, field.name, hints, root, depth + 1);
    }
    return out;
  }
  return baselineLeaf(getNamedType(type), name, hints, root);
}

interface Leaf {
  /** Path inside the variables: [argName, field, index, field...]. */
  path: (string | number)[];
  typeName: string;
  name: string;
  list: boolean;
  isEnum: boolean;
  /** Maximum length its description documents, if any. */
  maxLength: number | null;
}

function leaves(
  type: GraphQLInputType,
  value: Json,
  path: (string | number)[],
  name: string,
  description: string | null | undefined,
  out: Leaf[],
): void {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    out.push({ path, typeName: '[list]', name, list: true, isEnum: false, maxLength: null });
    if (Array.isArray(value)) value.forEach((v, i) => leaves(nullable.ofType, v, [...path, i], name, description, out));
    return;
  }
  if (isInputObjectType(nullable)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    for (const field of Object.values(nullable.getFields())) {
      leaves(field.type, value[field.name] ?? null, [...path, field.name], field.name, field.description, out);
    }
    return;
  }
  const named = getNamedType(type);
  const textual = named.name === 'String' || named.name === 'ID';
  out.push({
    path,
    typeName: named.name,
    name,
    list: false,
    isEnum: isEnumType(named),
    maxLength: textual ? documentedMaxLength(description) : null,
  });
}

function replaced(variables: Record<string, Json>, path: (string | number)[], value: Json): Record<string, Json> {
  const copy = structuredClone(variables);
  let target: Json = copy;
  for (const key of path.slice(0, -1)) target = (target as Record<string, Json>)[key as string] as Json;
  (target as Record<string | number, Json>)[path[path.length - 1] as string] = value;
  return copy;
}

/** The smallest selection that always validates, plus a payload's UserErrors to tell refusals apart. */
export function selectionFor(type: GraphQLNamedType): string {
  if (isLeafType(type)) return '';
  if (isObjectType(type)) {
    const errors = type.getFields().errors;
    if (errors && /UserError$/.test(getNamedType(errors.type).name))
      return '{ __typename errors { code field message } }';
  }
  return '{ __typename }';
}

function typeRef(type: GraphQLInputType): string {
  return String(type);
}

interface Step {
  field: GraphQLField<unknown, unknown>;
  /** Where the step's selection lands: a connection's node is reached through edges. */
  through: string[];
}

/**
 * Paths from Query to every object type, each step a field whose arguments the baseline can fill:
 * so that `me { orders(after: ...) }` and `locations { store { stock(first: ...) } }` are reachable.
 */
function pathsFromQuery(schema: GraphQLSchema, maxDepth = 4): Map<string, Step[]> {
  const query = schema.getQueryType();
  const paths = new Map<string, Step[]>();
  if (!query) return paths;
  paths.set(query.name, []);
  let frontier: GraphQLObjectType[] = [query];
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const next: GraphQLObjectType[] = [];
    for (const type of frontier) {
      const base = paths.get(type.name) ?? [];
      for (const field of Object.values(type.getFields())) {
        let target = getNamedType(field.type);
        const through: string[] = [];
        if (isObjectType(target) && target.name.endsWith('Connection')) {
          const node = getNamedType(target.getFields().edges?.type ?? target);
          const nodeField = isObjectType(node) ? node.getFields().node : undefined;
          if (nodeField) {
            through.push('edges', 'node');
            target = getNamedType(nodeField.type);
          }
        }
        if (!isObjectType(target) || paths.has(target.name)) continue;
        paths.set(target.name, [...base, { field, through }]);
        next.push(target);
      }
    }
    frontier = next;
  }
  return paths;
}

/** Every case of the corpus; `fields` lists what was covered (for the test's summary). */
export function generateCorpus(schema: GraphQLSchema, hints: IdHints): { cases: HostileCase[]; fields: string[] } {
  const cases: HostileCase[] = [];
  const fields: string[] = [];
  const targets: { operation: 'query' | 'mutation'; prefix: Step[]; field: GraphQLField<unknown, unknown> }[] = [];
  const mutation = schema.getMutationType();
  for (const field of Object.values(mutation?.getFields() ?? {}))
    targets.push({ operation: 'mutation', prefix: [], field });
  const paths = pathsFromQuery(schema);
  for (const [typeName, prefix] of paths) {
    const type = schema.getType(typeName);
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0 || field.name.startsWith('_')) continue;
      targets.push({ operation: 'query', prefix, field });
    }
  }

  for (const { operation, prefix, field } of targets) {
    let n = 0;
    const variables: Record<string, Json> = {};
    const defs: string[] = [];
    const argText = (args: readonly GraphQLArgument[]) => {
      if (args.length === 0) return '';
      const parts = args.map((arg) => {
        const v = `v${n++}`;
        variables[v] = baselineValue(arg.type, arg.name, hints, field.name);
        defs.push(`$${v}: ${typeRef(arg.type)}`);
        return `${arg.name}: $${v}`;
      });
      return `(${parts.join(', ')})`;
    };
    // Opening of the path (with baseline arguments) down to the field under test.
    let open = '';
    let close = '';
    for (const step of prefix) {
      open += `${step.field.name}${argText(step.field.args)} { ${step.through.map((t) => `${t} { `).join('')}`;
      close = `${' }'.repeat(step.through.length)} }${close}`;
    }
    const first = n;
    const own = argText(field.args);
    const testedVars = Object.keys(variables).slice(first);
    const selection = selectionFor(getNamedType(field.type));
    const query = `${operation} Hostile${defs.length ? `(${defs.join(', ')})` : ''} { ${open}${field.name}${own} ${selection}${close} }`;
    const label = [...prefix.map((s) => s.field.name), field.name].join('.');
    fields.push(`${operation} ${label}`);

    const argLeaves: Leaf[] = [];
    field.args.forEach((arg, i) => {
      const v = testedVars[i] as string;
      leaves(arg.type, variables[v] ?? null, [v], arg.name, arg.description, argLeaves);
    });
    const firstOfField = cases.length;
    cases.push({ operation, field: label, label: 'baseline', query, variables });
    const argNames = new Map(field.args.map((arg, i) => [testedVars[i] as string, arg.name]));
    for (const leaf of argLeaves) {
      const where = [argNames.get(leaf.path[0] as string) ?? '', ...leaf.path.slice(1)].join('.');
      const values: HostileValue[] = leaf.list
        ? [
            { label: 'empty list', value: [] as Json },
            {
              label: '500 elements',
              value: Array.from({ length: 500 }, () => (getByPath(variables, [...leaf.path, 0]) ?? null) as Json),
            },
          ]
        : hostileValues(leaf.typeName, leaf.name, leaf.isEnum);
      for (const { label: what, value, uncoercible } of values) {
        cases.push({
          operation,
          field: label,
          label: `${where} = ${what}`,
          query,
          variables: replaced(variables, leaf.path, value),
          ...(uncoercible ? { uncoercible } : {}),
        });
      }
      if (leaf.maxLength !== null) {
        cases.push({
          operation,
          field: label,
          label: `${where} = documented maximum + 1 (${leaf.maxLength + 1} characters)`,
          query,
          variables: replaced(variables, leaf.path, 'a'.repeat(leaf.maxLength + 1)),
          mustRefuse: true,
        });
      }
    }
    // Rules first: a case that succeeds (an emoji reason cancels the order) must not spoil the
    // baseline of a case that has to be refused.
    const ofField = cases.splice(firstOfField);
    cases.push(
      ...ofField.filter((c) => c.label === 'baseline' || c.mustRefuse),
      ...ofField.filter((c) => c.label !== 'baseline' && !c.mustRefuse),
    );
  }
  return { cases, fields };
}

function getByPath(value: Json, path: (string | number)[]): Json | undefined {
  let cur: Json | undefined = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[key];
  }
  return cur;
}

/** Client-visible text that would betray internals: stack frames, file paths, SQL. */
export const LEAKS: RegExp[] = [
  /\bat [\w.<>]+ \(.*:\d+:\d+\)/,
  /node_modules|\/work\/|\.ts:\d+|\.js:\d+/,
  /\b(select|insert into|update|delete from)\b[\s\S]*\b(from|values|set|where)\b/i,
  /syntax error at or near|violates .* constraint|relation "|column "|invalid byte sequence|unterminated/i,
  /knex|mikro-?orm|pg-protocol|ECONNREFUSED/i,
];
