import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, getVariableValues, parse, validate, type OperationDefinitionNode } from 'graphql';
import { createLogger } from '../../subgraphs/kit';
import { createGateway } from '../../router/gateway';
import { applyKitScalarRules, useKitScalarRules } from '../../router/scalar-rules';
import { loadSupergraphSdl } from '../../router/server';

const apiSchema = () => Supergraph.build(loadSupergraphSdl()).apiSchema().toGraphQLJSSchema();

describe("the kit's scalar rules on the router's API schema", () => {
  it('cover every custom scalar of the committed supergraph', () => {
    // A scalar added to a subgraph without a rule in subgraphs/kit/scalars.ts KIT_SCALARS fails here:
    // the router would accept any value for it and leave the refusal to the subgraph (a 200).
    const { applied, unknown } = applyKitScalarRules(apiSchema());
    expect([...applied].sort()).toEqual(['Date', 'DateTime', 'Decimal']);
    expect(unknown).toEqual([]);
  });

  it('report a custom scalar the kit has no rule for, and leave it as it is', () => {
    const schema = buildSchema('scalar Decimal scalar Json type Query { q(a: Decimal, j: Json): Int }');
    expect(applyKitScalarRules(schema)).toEqual({ applied: ['Decimal'], unknown: ['Json'] });
    expect(validate(schema, parse('{ q(j: "anything") }'))).toEqual([]);
  });

  it('make validation refuse a literal and coercion refuse a variable that the subgraphs would refuse', () => {
    const schema = apiSchema();
    const before = validate(schema, parse('{ products(first: 1, filter: { minPrice: "abc" }) { totalCount } }'));
    expect(before).toEqual([]);
    applyKitScalarRules(schema);
    const literal = validate(schema, parse('{ products(first: 1, filter: { minPrice: "abc" }) { totalCount } }'));
    expect(literal.map((e) => e.message)).toEqual([
      'Decimal must be a string like "12.50" with at most 2 decimals; got "abc"',
    ]);
    const doc = parse('query($p: PeriodInput!) { salesReport(period: $p) { transactions } }');
    const op = doc.definitions[0] as OperationDefinitionNode;
    const { errors } = getVariableValues(schema, op.variableDefinitions ?? [], {
      p: { from: 'yesterday', to: '2026-03-01' },
    });
    expect(errors?.map((e) => [e.message, e.extensions.code])).toEqual([
      [
        'Variable "$p" got invalid value "yesterday" at "p.from"; Date must be a calendar date written YYYY-MM-DD, e.g. "2026-03-01"; got "yesterday"',
        'BAD_USER_INPUT',
      ],
    ]);
  });

  it("are on the gateway's API schema once it loads", async () => {
    const gateway = createGateway({ supergraphSdl: loadSupergraphSdl(), logger: createLogger('router-test') });
    useKitScalarRules(gateway, createLogger('router-test'));
    try {
      const { schema } = await gateway.load();
      const errors = validate(schema, parse('{ products(first: 1, filter: { maxPrice: "1.234" }) { totalCount } }'));
      expect(errors.map((e) => e.message)).toEqual([
        'Decimal must be a string like "12.50" with at most 2 decimals; got "1.234"',
      ]);
    } finally {
      await gateway.stop();
    }
  });
});
