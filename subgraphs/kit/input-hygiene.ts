import {
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isNonNullType,
  isListType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { badInput } from './errors';
import { userError } from './user-error';

/**
 * Input hygiene, applied once by the kit to every subgraph (buildSchema): before any resolver runs,
 * every string a client sent to a root field (arguments and input objects, at any depth) is checked.
 *
 *  - Control characters (U+0000..U+001F except tab, line feed and carriage return, U+007F, and the
 *    C1 range U+0080..U+009F) are refused: PostgreSQL refuses NUL outright, and the others are never
 *    part of a name, an address or a note.
 *  - No string is longer than MAX_INPUT_STRING characters, whatever the field; fields with a smaller
 *    documented maximum are checked by their domain code.
 *
 * In a mutation's `input` (a payload with `errors: [<Subgraph>UserError!]!`) a refusal is a UserError
 * naming the field, like any other rule of the payload: with the code the subgraph gives that field's
 * text rules (its `textCodes`, e.g. note -> INVALID_NOTE), so a field is refused with one code whether
 * its text is too long for the domain's limit or for this one; INVALID_CHARACTERS or TOO_LONG for a
 * field without one. In an argument it is BAD_USER_INPUT naming the argument. Nothing runs, so nothing
 * is written.
 */
export const MAX_INPUT_STRING = 10_000;

const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export interface InputProblem {
  /** Path from the argument: ["input", "lines", "0", "productId"]. */
  path: string[];
  code: 'INVALID_CHARACTERS' | 'TOO_LONG';
  message: string;
}

function label(path: readonly string[]): string {
  return path.join('.');
}

/** The first problem in a value of the given input type, or null. */
export function inspectInput(value: unknown, type: GraphQLInputType, path: string[]): InputProblem | null {
  if (value === null || value === undefined) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return inspectInput(value, nullable.ofType, path);
    for (let i = 0; i < value.length; i++) {
      const found = inspectInput(value[i], nullable.ofType, [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object') return null;
    const fields = nullable.getFields();
    for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>)) {
      const field = fields[name];
      if (!field) continue;
      const found = inspectInput(fieldValue, field.type, [...path, name]);
      if (found) return found;
    }
    return null;
  }
  if (isScalarType(nullable) && typeof value === 'string') {
    if (FORBIDDEN.test(value)) {
      return { path, code: 'INVALID_CHARACTERS', message: `${label(path)} must not contain control characters` };
    }
    if (value.length > MAX_INPUT_STRING) {
      return { path, code: 'TOO_LONG', message: `${label(path)} must be at most ${MAX_INPUT_STRING} characters` };
    }
  }
  return null;
}

/**
 * True when the field returns a mutation payload that carries UserErrors and whose other fields may be
 * null, so that `{ errors }` alone is a valid answer (otherwise the refusal is BAD_USER_INPUT).
 */
function hasUserErrors(field: GraphQLField<unknown, unknown>): boolean {
  const type = getNamedType(field.type);
  if (!isObjectType(type)) return false;
  const { errors, ...others } = type.getFields();
  return (
    errors !== undefined &&
    /UserError$/.test(getNamedType(errors.type).name) &&
    Object.values(others).every((f) => !isNonNullType(f.type))
  );
}

/** Input field name (the last segment of a path) -> the code of that field's text rules. */
export type TextCodes = Readonly<Record<string, string>>;

function wrap(field: GraphQLField<unknown, unknown>, inMutation: boolean, textCodes: TextCodes): void {
  const args: readonly GraphQLArgument[] = field.args;
  if (args.length === 0) return;
  const resolve = field.resolve ?? defaultFieldResolver;
  const payload = inMutation && hasUserErrors(field);
  field.resolve = (source, values: Record<string, unknown>, context, info) => {
    for (const arg of args) {
      const problem = inspectInput(values[arg.name], arg.type, [arg.name]);
      if (!problem) continue;
      if (payload && isInputObjectType(getNullableType(arg.type))) {
        const code = textCodes[problem.path[problem.path.length - 1] ?? ''] ?? problem.code;
        return { errors: [userError(code, problem.message, problem.path)] };
      }
      throw badInput(problem.message, { argument: label(problem.path) });
    }
    return resolve(source, values, context, info);
  };
}

/** Wraps every root field that takes arguments (in place: @apollo/subgraph's entity resolvers stay). */
export function withInputHygiene(schema: GraphQLSchema, textCodes: TextCodes = {}): GraphQLSchema {
  for (const [root, inMutation] of [
    [schema.getQueryType(), false],
    [schema.getMutationType(), true],
  ] as const) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      // Representations come from the router (ids another subgraph returned), not from a client.
      if (field.name !== '_entities' && field.name !== '_service') wrap(field, inMutation, textCodes);
    }
  }
  return schema;
}
