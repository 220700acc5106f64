/**
 * Every failure the app shows, in one place: top-level GraphQL errors by their code (FORBIDDEN,
 * UNAUTHENTICATED, SERVICE_UNAVAILABLE...), HTTP and network failures, and a mutation's UserErrors
 * next to the field they name (docs/architecture.md, "Errors").
 */
import type { InputHTMLAttributes, ReactNode } from 'react';
import { CombinedGraphQLErrors, ServerError, ServerParseError } from '@apollo/client/errors';
import { INVENTORY_WORDS, REPORTS_WORDS, RETAIL_WORDS } from './error-words';

export type ProblemKind = 'forbidden' | 'unauthenticated' | 'unavailable' | 'refused' | 'network' | 'server';

export interface Problem {
  kind: ProblemKind;
  /** What happened, for the person at the screen. */
  title: string;
  /** The server's own words or what to do next. */
  detail: string | null;
}

interface WireError {
  message?: string;
  extensions?: { code?: unknown; serviceName?: unknown };
}

function fromGraphQLErrors(errors: readonly WireError[]): Problem {
  const codes = errors.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : ''));
  const first = (code: string) => errors[codes.indexOf(code)];
  if (codes.includes('FORBIDDEN')) {
    return {
      kind: 'forbidden',
      title: 'You are not allowed to see or do this with your account.',
      detail: first('FORBIDDEN')?.message ?? null,
    };
  }
  if (codes.includes('UNAUTHENTICATED')) {
    return {
      kind: 'unauthenticated',
      title: 'Your session has ended. Sign in again.',
      detail: first('UNAUTHENTICATED')?.message ?? null,
    };
  }
  if (codes.includes('SERVICE_UNAVAILABLE')) {
    return {
      kind: 'unavailable',
      title: 'Part of the system is not answering. Try again in a moment.',
      detail: first('SERVICE_UNAVAILABLE')?.message ?? null,
    };
  }
  const refused = codes.find((c) => c === 'BAD_USER_INPUT' || c.startsWith('GRAPHQL_') || c.startsWith('QUERY_'));
  if (refused) {
    return { kind: 'refused', title: 'The server refused this request.', detail: first(refused)?.message ?? null };
  }
  return {
    kind: 'server',
    title: 'Something went wrong on the server. Try again; if it keeps happening, tell head office.',
    detail: errors[0]?.message ?? null,
  };
}

/** The errors of a GraphQL answer carried by an HTTP error (the router answers 401 or 400 with a body). */
function errorsInBody(bodyText: string | undefined): WireError[] | null {
  if (!bodyText) return null;
  try {
    const body = JSON.parse(bodyText) as { errors?: unknown };
    return Array.isArray(body.errors) ? (body.errors as WireError[]) : null;
  } catch {
    return null;
  }
}

/** What went wrong with a query or a mutation, whatever Apollo Client raised. */
export function problemOf(error: unknown): Problem {
  if (CombinedGraphQLErrors.is(error)) return fromGraphQLErrors(error.errors);
  if (ServerError.is(error) || ServerParseError.is(error)) {
    const inBody = errorsInBody(error.bodyText);
    if (inBody?.length) return fromGraphQLErrors(inBody);
    if (error.statusCode === 401) return fromGraphQLErrors([{ extensions: { code: 'UNAUTHENTICATED' } }]);
    if (error.statusCode === 403) return fromGraphQLErrors([{ extensions: { code: 'FORBIDDEN' } }]);
    if (error.statusCode === 429) {
      return { kind: 'refused', title: 'Too many requests: wait a moment and try again.', detail: null };
    }
    return {
      kind: 'server',
      title: `The server answered with an error (HTTP ${error.statusCode}). Try again in a moment.`,
      detail: null,
    };
  }
  // fetch rejects with a TypeError when nothing answers (server down, no network, CORS refused).
  return {
    kind: 'network',
    title: 'Cannot reach the server. Check the connection and try again.',
    detail: error instanceof Error ? error.message : null,
  };
}

export function ProblemMessage({ error, children }: { error: unknown; children?: ReactNode }) {
  const problem = problemOf(error);
  return (
    <div className={`problem problem-${problem.kind}`} role="alert" data-problem={problem.kind}>
      <p className="problem-title">{problem.title}</p>
      {problem.detail ? <p className="problem-detail">{problem.detail}</p> : null}
      {children}
    </div>
  );
}

/** A mutation's business-rule refusal as every payload carries it. */
export interface UserError<Code extends string = string> {
  code: Code;
  field?: readonly string[] | null;
  message: string;
}

type Subgraph = 'retail' | 'inventory' | 'reports';
const WORDS: Record<Subgraph, Readonly<Record<string, string>>> = {
  retail: RETAIL_WORDS,
  inventory: INVENTORY_WORDS,
  reports: REPORTS_WORDS,
};

/** The words for a code of the subgraph that answered; the server's message when the app has none. */
export function wordsFor(subgraph: Subgraph, error: UserError): string {
  return WORDS[subgraph][error.code] ?? error.message;
}

/** The UserErrors of a payload by the field they name, written "input.lines.0.quantity". */
export class FieldErrors {
  constructor(
    readonly subgraph: Subgraph,
    readonly errors: readonly UserError[],
  ) {}

  static none(subgraph: Subgraph): FieldErrors {
    return new FieldErrors(subgraph, []);
  }

  /** The errors of one field or of anything inside it ("input.lines.0" holds "input.lines.0.quantity"). */
  of(field: string): UserError[] {
    return this.errors.filter((e) => within((e.field ?? []).join('.'), field));
  }

  /** Errors of no field, or of a field the form has no input for (`shown` lists those it has). */
  others(shown: readonly string[]): UserError[] {
    return this.errors.filter((e) => !shown.some((f) => within((e.field ?? []).join('.'), f)));
  }
}

function within(path: string, field: string): boolean {
  return field !== '' && (path === field || path.startsWith(`${field}.`));
}

/** The UserErrors of one field, under it; `id` is what the input's aria-describedby names. */
export function FieldError({ errors, field, id }: { errors: FieldErrors; field: string; id: string }) {
  const list = errors.of(field);
  if (list.length === 0) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {list.map((e) => (
        <span key={e.code} data-code={e.code}>
          {wordsFor(errors.subgraph, e)}{' '}
        </span>
      ))}
    </p>
  );
}

/** Errors no input of the form shows (`shown` lists the fields that have one). */
export function FormErrors({ errors, shown }: { errors: FieldErrors; shown: readonly string[] }) {
  const list = errors.others(shown);
  if (list.length === 0) return null;
  return (
    <div className="problem problem-refused" role="alert">
      {list.map((e) => (
        <p key={`${e.code}-${(e.field ?? []).join('.')}`} data-code={e.code}>
          {wordsFor(errors.subgraph, e)}
        </p>
      ))}
    </div>
  );
}

/**
 * A labelled text input with the API's errors for its field under it (`field`: the input's path,
 * e.g. `input.note`); `input` adds the input's own attributes (type, autoComplete, required...).
 */
export function TextField({
  id,
  label,
  value,
  onChange,
  errors,
  field,
  grow,
  input,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors: FieldErrors;
  field: string;
  grow?: boolean;
  input?: InputHTMLAttributes<HTMLInputElement>;
}) {
  return (
    <div className={grow ? 'field grow' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        {...input}
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={errors.of(field).length > 0 || undefined}
        aria-describedby={`${id}-error`}
      />
      <FieldError errors={errors} field={field} id={`${id}-error`} />
    </div>
  );
}
