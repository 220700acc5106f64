import {
  buildSchema,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import { DateScalar, DateTimeScalar, DecimalScalar, KIT_SCALARS } from '../../subgraphs/kit/scalars';

/** A schema whose three custom scalars are the kit's, as a subgraph's (and the router's) is. */
function schemaWithKitScalars() {
  const schema = buildSchema(`
    scalar Decimal
    scalar DateTime
    scalar Date
    type Query { q(amount: Decimal, at: DateTime, day: Date): Int }
  `);
  for (const [name, kit] of KIT_SCALARS)
    Object.assign(schema.getType(name)!, { parseValue: kit.parseValue, parseLiteral: kit.parseLiteral });
  return schema;
}

function coerce(variables: Record<string, unknown>) {
  const schema = schemaWithKitScalars();
  const doc = parse('query($amount: Decimal, $at: DateTime, $day: Date) { q(amount: $amount, at: $at, day: $day) }');
  const op = doc.definitions[0] as OperationDefinitionNode;
  return getVariableValues(schema, op.variableDefinitions ?? [], variables);
}

describe('the kit scalars', () => {
  it('KIT_SCALARS names every custom scalar the kit defines', () => {
    expect([...KIT_SCALARS.keys()].sort()).toEqual(['Date', 'DateTime', 'Decimal']);
    expect(KIT_SCALARS.get('Decimal')).toBe(DecimalScalar);
    expect(KIT_SCALARS.get('DateTime')).toBe(DateTimeScalar);
    expect(KIT_SCALARS.get('Date')).toBe(DateScalar);
  });

  it.each<[string, unknown]>([
    ['Decimal', '12.50'],
    ['Decimal', '-5'],
    ['Decimal', '0'],
    ['DateTime', '2026-03-01T14:30:00Z'],
    ['DateTime', '2026-03-01T09:30:00.5-05:00'],
    ['Date', '2026-02-28'],
  ])('%s takes the well-formed %j', (name, value) => {
    expect(() => KIT_SCALARS.get(name)!.parseValue(value)).not.toThrow();
  });

  it.each<[string, unknown, RegExp]>([
    ['Decimal', 'abc', /^Decimal must be a string like "12.50" with at most 2 decimals; got "abc"$/],
    ['Decimal', '1.234', /at most 2 decimals; got "1.234"$/],
    ['Decimal', 12.5, /at most 2 decimals; got 12.5$/],
    ['Decimal', '999999999999', /^Decimal must be between -21474836.47 and 21474836.47; got "999999999999"$/],
    [
      'DateTime',
      'yesterday',
      /^DateTime must be an ISO 8601 instant with an offset, e.g. "2026-03-01T14:30:00Z"; got "yesterday"$/,
    ],
    ['DateTime', '2026-13-45T99:99:99Z', /ISO 8601 instant/],
    ['DateTime', '2026-03-01T14:30:00', /ISO 8601 instant/],
    ['Date', 'yesterday', /^Date must be a calendar date written YYYY-MM-DD, e.g. "2026-03-01"; got "yesterday"$/],
    ['Date', '2026-02-30', /calendar date/],
    ['Date', 20260301, /calendar date/],
  ])('%s refuses %j with BAD_USER_INPUT and its rule', (name, value, message) => {
    let thrown: unknown;
    try {
      KIT_SCALARS.get(name)!.parseValue(value);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    expect((thrown as GraphQLError).message).toMatch(message);
    expect((thrown as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
  });

  it("a variable's refusal names the variable, the path inside it and the rule, with BAD_USER_INPUT", () => {
    const { errors } = coerce({ amount: '1.234' });
    expect(errors?.map((e) => [e.message, e.extensions.code])).toEqual([
      [
        'Variable "$amount" got invalid value "1.234"; Decimal must be a string like "12.50" with at most 2 decimals; got "1.234"',
        'BAD_USER_INPUT',
      ],
    ]);
    expect(errors?.[0]?.nodes?.[0]?.kind).toBe(Kind.VARIABLE_DEFINITION);
    expect(coerce({ at: 'yesterday', day: '2026-02-30' }).errors?.map((e) => e.message.split(';')[0])).toEqual([
      'Variable "$at" got invalid value "yesterday"',
      'Variable "$day" got invalid value "2026-02-30"',
    ]);
    expect(coerce({ amount: '12.50', at: '2026-03-01T14:30:00Z', day: '2026-03-01' }).errors).toBeUndefined();
  });

  it("a literal's refusal is a validation error at the literal's location, with the same rule", () => {
    const schema = schemaWithKitScalars();
    const errors = validate(schema, parse('{ q(amount: "1.234", at: "yesterday", day: 20260301) }'));
    expect(errors.map((e) => [e.message, e.locations])).toEqual([
      ['Decimal must be a string like "12.50" with at most 2 decimals; got "1.234"', [{ line: 1, column: 13 }]],
      [
        'DateTime must be an ISO 8601 instant with an offset, e.g. "2026-03-01T14:30:00Z"; got "yesterday"',
        [{ line: 1, column: 26 }],
      ],
      ['Date must be a calendar date written YYYY-MM-DD, e.g. "2026-03-01"; got "20260301"', [{ line: 1, column: 44 }]],
    ]);
    expect(validate(schema, parse('{ q(amount: "-5", at: "2026-03-01T14:30:00Z", day: "2026-03-01") }'))).toEqual([]);
  });
});
