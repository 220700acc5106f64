import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { clientOperations } from '../../schema/operations';
import { costVariables, DEFAULT_LIMITS, limitsFromEnv, OperationScreen } from '../../router/operation-limits';

const api = Supergraph.build(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'))
  .apiSchema()
  .toGraphQLJSSchema();
const screen = () => new OperationScreen(api, { ...DEFAULT_LIMITS });

function largestPage(op: OperationDefinitionNode): number {
  const root = op.operation === 'mutation' ? api.getMutationType() : api.getQueryType();
  let most = 100;
  for (const sel of op.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) continue;
    const first = root?.getFields()[sel.name.value]?.args.find((a) => a.name === 'first');
    const max = /\b0 to (\d+)/.exec(first?.description ?? '')?.[1];
    if (max) most = Math.min(most, Number(max));
  }
  return most;
}

const PRODUCT_PAGE = 'products(first: 100) { edges { node { id name stock { available } } } }';

describe('operation limits', () => {
  it('keeps every client operation far inside every limit, at the largest page size', () => {
    const s = screen();
    const operations = [...clientOperations().values()];
    expect(operations.length).toBeGreaterThan(5);
    for (const op of operations) {
      // Page arguments at their maximum: the most an ordinary client can ask for (100, or the smaller
      // maximum the operation's root field documents for `first`, e.g. "Page size, 0 to 50").
      const variables = {
        first: largestPage(op.definition),
        after: null,
        filter: null,
        text: 'casque',
        id: 'prod-0001',
      };
      expect({ name: op.name, refusal: s.screen({ query: op.source, variables }) }).toEqual({
        name: op.name,
        refusal: null,
      });
      const tight = new OperationScreen(api, {
        ...DEFAULT_LIMITS,
        maxCost: Math.floor(DEFAULT_LIMITS.maxCost / 3),
        maxTokens: Math.floor(DEFAULT_LIMITS.maxTokens / 3),
        maxDepth: 8,
        maxAliases: 0,
        maxRootFields: 3,
        maxDirectives: 0,
      });
      expect({ name: op.name, refusal: tight.screen({ query: op.source, variables }) }).toEqual({
        name: op.name,
        refusal: null,
      });
    }
  });

  it('refuses 200 aliases of a product page by its token count, with the limit and the value', () => {
    const query = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: ${PRODUCT_PAGE}`).join(' ')} }`;
    expect(query.length).toBeGreaterThan(15_000);
    const refused = screen().screen({ query });
    expect(refused).toMatchObject({ kind: 'tokens', code: 'TOKEN_LIMIT_EXCEEDED', limit: 2000 });
    expect(refused?.message).toMatch(/^Operation has \d+ tokens; the limit is 2000$/);
  });

  it('refuses aliases, root fields, depth, directives and cost each with its own code', () => {
    const wide = new OperationScreen(api, { ...DEFAULT_LIMITS, maxTokens: 1_000_000 });
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `l${i}: locations { id }`).join(' ')} }`;
    expect(wide.screen({ query: aliases })).toMatchObject({
      code: 'ALIAS_LIMIT_EXCEEDED',
      limit: 30,
      value: 31,
      message: 'Operation has 31 aliases; the limit is 30',
    });
    const fiveThousand = `{ ${Array.from({ length: 5000 }, (_, i) => `l${i}: locations { id }`).join(' ')} }`;
    expect(wide.screen({ query: fiveThousand })).toMatchObject({ code: 'ALIAS_LIMIT_EXCEEDED', value: 5000 });

    const roots = `{ ${Array.from({ length: 21 }, () => 'locations { id }').join(' ')} }`;
    expect(wide.screen({ query: roots })).toMatchObject({ code: 'ROOT_FIELD_LIMIT_EXCEEDED', limit: 20, value: 21 });

    const deep = `{ categories { ${'parent { '.repeat(15)}id${' }'.repeat(15)} } }`;
    expect(wide.screen({ query: deep })).toMatchObject({
      code: 'DEPTH_LIMIT_EXCEEDED',
      message: 'Operation is nested 17 levels deep; the limit is 15',
    });
    expect(wide.screen({ query: `{ categories { ${'parent { '.repeat(10)}id${' }'.repeat(10)} } }` })).toBeNull();
    // Through named and inline fragments: they add no level of their own, their fields do.
    const viaFragments = `query { categories { ...F } } fragment F on Category { ${'children { ... on Category { '.repeat(14)}id${' } }'.repeat(14)} }`;
    expect(wide.screen({ query: viaFragments })).toMatchObject({ code: 'DEPTH_LIMIT_EXCEEDED', value: 16 });
    // Introspection is not counted (Sandbox's query nests ofType deeply).
    expect(
      wide.screen({
        query:
          '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } } } } }',
      }),
    ).toBeNull();

    const directives = `{ locations { ${Array.from({ length: 21 }, () => 'id @include(if: true)').join(' ')} } }`;
    expect(wide.screen({ query: directives })).toMatchObject({ code: 'DIRECTIVE_LIMIT_EXCEEDED', value: 21 });

    // Nested lists multiply: products x their stock levels x each level's store's stock page.
    const costly = `query($n: Int!) { products(first: $n) { edges { node { id stock { levels { location {
      store { stock(first: 50) { edges { node { onHand } } } } } } } } } } }`;
    expect(wide.screen({ query: costly, variables: { n: 5 } })).toBeNull();
    const refused = wide.screen({ query: costly, variables: { n: 100 } });
    expect(refused).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 10_000 });
    expect(refused!.value).toBeGreaterThan(10_000);
    expect(refused!.message).toBe(`Operation has an estimated cost of ${refused!.value}; the limit is 10000`);
  });

  it('prices an absent `first` at the default page size', () => {
    const s = screen();
    const q = (first: string) => `{ products${first} { edges { node { id } } } }`;
    const absent = new OperationScreen(api, { ...DEFAULT_LIMITS, maxCost: 1 });
    expect(absent.screen({ query: q('') })?.value).toBe(absent.screen({ query: q('(first: 20)') })?.value);
    expect(s.screen({ query: q('') })).toBeNull();
  });

  it('prices a document once per value of the variables that size it, and by those values only', () => {
    // A mutation's input does not change its cost; a page size and an @include do.
    expect(
      costVariables(parse('mutation($input: RecordSaleInput!) { recordSale(input: $input) { errors { code } } }')),
    ).toEqual([]);
    const page =
      'query($n: Int = 40, $more: Boolean!, $text: String) { products(first: $n, filter: { search: $text }) { edges { node { id description @include(if: $more) } } } }';
    expect(costVariables(parse(page))).toEqual(['more', 'n']);
    const tight = new OperationScreen(api, { ...DEFAULT_LIMITS, maxCost: 1 });
    const cost = (variables: Record<string, unknown>) => tight.screen({ query: page, variables })?.value;
    const small = cost({ n: 2, more: false, text: 'a' });
    // Kept per size: a larger page, the included field, the operation's default and null's default page
    // size each cost what they cost, whichever was asked first; other variables share the cost.
    expect(cost({ n: 50, more: false, text: 'a' })).toBeGreaterThan(small!);
    expect(cost({ n: 2, more: true, text: 'a' })).toBeGreaterThan(small!);
    expect(cost({ n: 2, more: false, text: 'b' })).toBe(small);
    expect(cost({ more: false })).toBe(cost({ n: 40, more: false }));
    expect(cost({ n: null, more: false })).toBe(cost({ n: DEFAULT_LIMITS.defaultPageSize, more: false }));
  });

  it('leaves syntax errors and invalid variables to Apollo Server', () => {
    expect(screen().screen({ query: '{ products(' })).toBeNull();
    expect(
      screen().screen({ query: 'query($n: Int!) { products(first: $n) { totalCount } }', variables: { n: 'x' } }),
    ).toBeNull();
  });

  it('reads overrides from the environment and refuses nonsense', () => {
    expect(limitsFromEnv({ MAX_QUERY_ALIASES: '5', MAX_QUERY_COST: '100' })).toMatchObject({
      maxAliases: 5,
      maxCost: 100,
    });
    expect(() => limitsFromEnv({ MAX_QUERY_DEPTH: '0' })).toThrow(/MAX_QUERY_DEPTH must be a positive integer/);
    expect(() => limitsFromEnv({ MAX_QUERY_TOKENS: 'lots' })).toThrow(/MAX_QUERY_TOKENS/);
  });
});
