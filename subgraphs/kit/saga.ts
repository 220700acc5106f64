import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from './logger';
import type { StepResult } from './ports';
import type { Projection } from './projection';
import { execute, queryOne, queryRows, sql, type Statement } from './sql';

/**
 * The one saga engine (ADR 0023): a saga is a declaration (a list of named steps, each with its
 * action and the compensation that undoes it) and the engine runs it. Checkout (ecommerce), the
 * point-of-sale sale and returns (retail) are declarations on it.
 *
 * What the engine does the same way for every saga:
 *  - **Persistence before and after each step.** A saga's state lives in its own row (the saga table
 *    of its subgraph: checkout_sagas, sales, returns) with the kit's bookkeeping columns (columns.ts
 *    sagaColumns). Before a step's call the row records the step and its attempt (written by the
 *    move that leads to the step, or by markStep when a step is retried); after it, one conditional
 *    UPDATE moves the row to its next state, in one transaction with the subgraph's own writes for
 *    that move (history, events) when it has any. Rows are returned by the writes (RETURNING), so a
 *    run never re-reads its saga.
 *  - **A lease.** The row's `owner` is the run driving it; every write is conditional on it, so when
 *    recovery, a replay or a cancellation takes a saga over, the previous runner's next write changes
 *    nothing, throws LeaseLost, and that runner stops instead of racing.
 *  - **Compensation.** A failed step leads, as the step declares, to a retry later (the outcome is
 *    unknown), an abort (nothing was held: straight to the aborted state), or compensation: the
 *    compensations of the steps done and of the step that may have been in flight, in reverse
 *    order, each persisted as done (`compensations_done`) so a resumed compensation repeats none. A
 *    completed saga is undone by its declared reversal (cancelOrder, cancelSale).
 *  - **Recovery.** One claim (FOR UPDATE SKIP LOCKED, the owner set in the same statement) takes over
 *    open sagas not updated for a while, and the same drive loop resumes each where it stopped.
 *  - **The transition table.** Every move is checked against the declared table first; a move it
 *    does not allow is recorded on the row and thrown as IllegalTransition.
 */

// ---------- failures ----------

/** The run lost its lease: another runner drives the saga now. */
export class LeaseLost extends Error {
  constructor(
    readonly id: string,
    /** What the saga drives, in the message ("order", "sale"). */
    of?: string,
  ) {
    super(`saga of ${of ? `${of} ` : ''}${id} is driven by another runner`);
    this.name = 'LeaseLost';
  }
}

/** A move the saga's transition table does not allow; nothing was changed but the row's last_error. */
export class IllegalTransition extends Error {
  constructor(
    readonly id: string,
    readonly from: string,
    readonly to: string,
    of?: string,
  ) {
    super(`saga of ${of ? `${of} ` : ''}${id}: ${from} -> ${to} is not an allowed transition`);
    this.name = 'IllegalTransition';
  }
}

/** Every allowed move of a saga's state. */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export function transitionAllowed<S extends string>(table: TransitionTable<S>, from: S, to: S): boolean {
  return table[from].includes(to);
}

/**
 * `column in ('A', 'B')` for a fixed list of states: the form a partial index's predicate takes, so
 * that the planner sees the index serves the claim. The states are the code's constants (checked),
 * never input.
 */
export function stateIn(column: string, states: readonly string[]): string {
  for (const s of states) if (!/^[A-Z][A-Z_]*$/.test(s)) throw new Error(`not a saga state: ${s}`);
  return `${column} in (${states.map((s) => `'${s}'`).join(', ')})`;
}

/** The lease holder of one recovery pass: unique per process (instanceId) and pass. */
export function recoveryOwner(instanceId: string, runId: string): string {
  return `recovery:${instanceId}:${runId}`;
}

// ---------- rows ----------

/** The bookkeeping every saga row carries besides its state (columns.ts sagaColumns). */
export interface SagaColumns<Step extends string> {
  /** Lease holder: the run driving the saga; every saga write is conditional on it. */
  owner: string | null;
  /** The step in flight (recorded before its call), null at rest. */
  step: Step | null;
  /** Tries of the current step over runs; 1 when a move records the next step. */
  attempts: number;
  lastError: string | null;
  /** The failure that turned the saga back (a step's refusal code), kept to the end. */
  failureCode: string | null;
  /** The state a compensation started from: what it must undo. */
  compensateFrom: string | null;
  /** Compensations already done, in order (a resumed compensation repeats none). */
  compensationsDone: Step[];
}

// ---------- declarations ----------

/** What a step's success may carry: a note for the subgraph's history, values for the row's own columns. */
export interface StepValue {
  note?: string;
  set?: Readonly<Record<string, unknown>>;
}

export interface StepFailure {
  /** True when the outcome is unknown (no answer); false for a definitive refusal. */
  transient: boolean;
  code: string;
  message: string;
}

/** What a failed forward step leads to. */
export type FailureDecision =
  /** Keep the state; recovery (or a replay) runs the step again later. */
  | 'retry'
  /** Nothing was held: straight to the aborted state, no compensation. */
  | 'abort'
  /** Undo what may have been done, from the current state. */
  | 'compensate';

/** The in-memory side of one drive: the unit of work, the lease, the row as last written. */
export interface SagaRun<Row> {
  em: EntityManager;
  log: Logger;
  lease: SagaLease;
  row: Row;
}

export interface SagaLease {
  /** The saga row's key. */
  id: string;
  owner: string;
}

/** A run of a subgraph's saga: its context (unit of work and log from it), lease, row and what it knows. */
export function sagaRun<C extends { em: EntityManager; log: Logger }, Row, K extends object>(
  ctx: C,
  lease: SagaLease,
  row: Row,
  known: K,
): SagaRun<Row> & { ctx: C } & K {
  return { ctx, em: ctx.em, log: ctx.log, lease, row, ...known };
}

export interface ForwardStep<S extends string, Step extends string, Run> {
  name: Step;
  /** The state the saga rests in once this step succeeded. */
  reaches: S;
  action: (run: Run) => Promise<StepResult<StepValue | undefined>>;
  /** The compensation that undoes it; none when another step's compensation covers it. */
  compensation?: Step;
  /** `attempts` counts this try. Default: an unknown outcome is retried later, a refusal compensates. */
  onFailure?: (failure: StepFailure, attempts: number, run: Run) => FailureDecision;
}

export interface Compensation<Step extends string, Run> {
  name: Step;
  /** Idempotent, and harmless when there is nothing to undo. */
  action: (run: Run) => Promise<StepResult>;
  /** A refusal with `code` means the step must be undone by `then` instead. */
  fallback?: { code: string; then: Step };
}

/** Undoing: the state the compensations run in and the state the saga ends in. */
export interface Undo<S extends string> {
  during: S;
  done: S;
}

export interface SagaTableSpec<S extends string, Row> {
  /** checkout_sagas, sales, returns. */
  table: string;
  /** The key column (order_id, id). */
  key: string;
  /** The state column (state, status). */
  stateColumn: string;
  stateOf: (row: Row) => S;
  keyOf: (row: Row) => string;
  /** The row as lean reads return it; every engine write returns it too. */
  row: Projection<Row>;
  /**
   * The row's own columns a step may set (StepValue.set), by value name: `{ authorizationId:
   * 'payment_authorization_id' }`; an unset value leaves the column as it is.
   */
  settable?: Readonly<Record<string, string>>;
  /**
   * More assignments of every move, in SQL over `:to` and `:from` (e.g. clearing a refused
   * cancellation's reason when a sale goes back to COMPLETED).
   */
  moveAssignments?: string;
  /**
   * More assignments of a takeover, in SQL over the values it names (a cancellation's reason and
   * who asked), passed as takeOver's `values`.
   */
  takeOverAssignments?: { sql: string; values: readonly string[] };
}

export interface SagaDeclaration<S extends string, Step extends string, Row extends SagaColumns<Step>, Run> {
  /** The saga's name in logs and metrics: checkout, sale, return. */
  name: string;
  /** What one saga drives, in messages: order, sale, return. */
  noun: string;
  table: SagaTableSpec<S, Row>;
  initial: S;
  /** In order; the last one's `reaches` is the completed state. */
  steps: readonly ForwardStep<S, Step, Run>[];
  compensations?: readonly Compensation<Step, Run>[];
  /** Where a saga ends whose failed step held nothing. */
  aborted: S;
  /** Compensating a saga that failed part-way (its compensations follow from the steps). */
  failed?: Undo<S>;
  /**
   * Undoing a completed saga (a cancellation): its compensations in order, and what a definitive
   * refusal of one means: `restore` puts the saga back in its completed state (the undo did not
   * happen), `continue` records it for people and goes on.
   */
  reversal?: Undo<S> & { steps: readonly Step[]; refused: 'restore' | 'continue' };
  transitions: TransitionTable<S>;
  /** States recovery claims: the partial index predicate of the saga table, so the index serves it. */
  open: readonly S[];
  /**
   * The subgraph's own writes of a move (history, business row, events), as parts of the move's own
   * statement (data-modifying CTEs over `moved`, the saga row as the move wrote it): one round trip,
   * atomic with the move. `prepare` reads first what the parts need that the run does not hold (a
   * saga resumed by recovery holds nothing but its row).
   */
  onMove?: {
    writes: (move: Move<S, Step>) => boolean;
    prepare?: (run: Run, move: Move<S, Step>) => Promise<void>;
    parts: (run: Run, move: Move<S, Step>) => MoveParts;
  };
  /** Told once a move is committed (metrics, test faults). */
  afterMove?: (run: Run, move: Move<S, Step>) => void;
  /** Told when a step's call succeeded, before its result is persisted (test faults). */
  afterStep?: (run: Run, step: Step) => void;
}

/**
 * A subgraph's writes as parts of a move's statement: named CTEs (`name as (...)`) that may read
 * `moved` (nothing is written when the move changed no row: each part is guarded by it), and their
 * values, named apart from the move's (`:id`, `:to`, `:from` may be read).
 */
export interface MoveParts {
  ctes: readonly string[];
  values: Readonly<Record<string, unknown>>;
  /** Told once the statement ran (e.g. wake the outbox relay: kit outbox eventsWritten). */
  after?: (em: EntityManager) => void;
}

/** One move of a saga's state, as its hooks see it. */
export interface Move<S extends string, Step extends string> {
  from: S;
  to: S;
  /** Why: a step succeeded, a failure aborted or started compensation, undoing finished, a refused reversal restored the saga, a takeover, or a move a caller asked for. */
  cause: 'step' | 'abort' | 'compensate' | 'finish' | 'restore' | 'takeover' | 'manual';
  /** The step whose result caused the move. */
  step: Step | null;
  value?: StepValue;
  failure?: StepFailure;
  /** Compensations done when the move is made (finish: all of them). */
  done: readonly Step[];
  /** What the caller of a manual move or takeover passes to the hooks (a note, a reason). */
  detail?: Readonly<Record<string, unknown>>;
}

// ---------- the plan (pure) ----------

export type NextAction<S extends string, Step extends string> =
  | { kind: 'forward'; step: Step; next: S }
  | { kind: 'compensate'; step: Step; undo: Undo<S> }
  | { kind: 'finish'; to: S }
  | { kind: 'none' };

/** What a saga declares, as the pure plan the engine follows and the unit tests pin down. */
export interface SagaPlan<S extends string, Step extends string> {
  /** The state a successful run ends in. */
  completed: S;
  next(row: { state: S; compensateFrom: string | null; compensationsDone: readonly string[] }): NextAction<S, Step>;
  /** The compensations that undo a saga left in `from`, in the order they run. */
  compensationsFrom(from: S): Step[];
  /** Where undoing a saga left in `from` runs and ends. */
  undoFrom(from: S): Undo<S> | null;
  /** The step a move into `to` records as in flight (attempt 1), or null. */
  stepAfter(to: S, compensateFrom: S | null, done: readonly string[]): Step | null;
  canTransition(from: S, to: S): boolean;
  /** States with a step to run. */
  isOpen(state: S): boolean;
}

export function planOf<S extends string, Step extends string, Row extends SagaColumns<Step>, Run>(
  d: SagaDeclaration<S, Step, Row, Run>,
): SagaPlan<S, Step> {
  const last = d.steps[d.steps.length - 1];
  if (!last) throw new Error(`saga ${d.name} declares no step`);
  const completed = last.reaches;
  const forwardIndex = (state: S): number =>
    state === d.initial ? 0 : d.steps.findIndex((s) => s.reaches === state) + 1;
  const undoFrom = (from: S): Undo<S> | null => (from === completed ? (d.reversal ?? null) : (d.failed ?? null));
  const compensationsFrom = (from: S): Step[] => {
    if (from === completed) return [...(d.reversal?.steps ?? [])];
    // The steps done before `from` was left, and the one that may have been in flight from it.
    const upTo = Math.min(forwardIndex(from), d.steps.length - 1);
    const names = d.steps
      .slice(0, upTo + 1)
      .map((s) => s.compensation)
      .filter((c): c is Step => c !== undefined)
      .reverse();
    return [...new Set(names)];
  };
  const remaining = (from: S, done: readonly string[]) => compensationsFrom(from).filter((c) => !done.includes(c));
  const undoingFrom = (state: S, compensateFrom: string | null): S | null => {
    const from = (compensateFrom as S | null) ?? d.initial;
    const undo = undoFrom(from);
    if (undo && undo.during === state) return from;
    // A row written before compensate_from was recorded: the only undo that runs in this state.
    for (const [candidate, u] of [
      [completed, d.reversal],
      [d.initial, d.failed],
    ] as const) {
      if (u && u.during === state && compensateFrom === null) return candidate;
    }
    return null;
  };
  const isOpen = (state: S) => d.open.includes(state);
  return {
    completed,
    compensationsFrom,
    undoFrom,
    canTransition: (from, to) => transitionAllowed(d.transitions, from, to),
    isOpen,
    next: (row) => {
      const from = undoingFrom(row.state, row.compensateFrom);
      if (from !== null) {
        const undo = undoFrom(from) as Undo<S>;
        const step = remaining(from, row.compensationsDone)[0];
        return step ? { kind: 'compensate', step, undo } : { kind: 'finish', to: undo.done };
      }
      if (row.state === completed || !isOpen(row.state)) return { kind: 'none' };
      const i = forwardIndex(row.state);
      const step = d.steps[i];
      if (i === 0 && row.state !== d.initial) return { kind: 'none' };
      return step ? { kind: 'forward', step: step.name, next: step.reaches } : { kind: 'none' };
    },
    stepAfter: (to, compensateFrom, done) => {
      const from = undoingFrom(to, compensateFrom);
      if (from !== null) return remaining(from, done)[0] ?? null;
      if (to === completed || !isOpen(to)) return null;
      return d.steps[forwardIndex(to)]?.name ?? null;
    },
  };
}

// ---------- the engine ----------

export interface StuckClaim {
  /** The new lease holder (recoveryOwner). */
  owner: string;
  stuckAfterMs: number;
  limit: number;
}

export interface RunOutcome<Row> {
  row: Row;
  /** The first definitive refusal of this run (what the caller shows), or null. */
  refusal: { code: string; message: string } | null;
}

export interface MoveInput<S extends string, Step extends string> {
  from: S;
  to: S;
  cause?: Move<S, Step>['cause'];
  compensateFrom?: S | null;
  failureCode?: string | null;
  lastError?: string | null;
  done?: readonly Step[];
  value?: StepValue;
  failure?: StepFailure;
  step?: Step | null;
  detail?: Readonly<Record<string, unknown>>;
}

export interface Saga<S extends string, Step extends string, Row extends SagaColumns<Step>, Run extends SagaRun<Row>> {
  readonly declaration: SagaDeclaration<S, Step, Row, Run>;
  readonly plan: SagaPlan<S, Step>;
  /** Drives a saga as far as it can go now; never throws for business reasons (drive loop below). */
  drive(run: Run, recorded?: Step | null): Promise<RunOutcome<Row>>;
  /** One move, checked against the table, with the subgraph's writes; the row as written. */
  move(run: Run, input: MoveInput<S, Step>): Promise<Row>;
  /** Records `step` as in flight with one more attempt. Throws LeaseLost. */
  markStep(run: Run, step: Step): Promise<Row>;
  /** Records why the saga did not move (cut to 1000 characters); nothing when the lease is lost. */
  recordError(run: Pick<Run, 'em' | 'lease'> & { row?: Row }, message: string): Promise<void>;
  /** Takes over open sagas not updated for stuckAfterMs, oldest first, in one statement. */
  claimStuck(em: EntityManager, claim: StuckClaim): Promise<Row[]>;
  /** Takes over one open saga whose runner stopped writing (a register replaying its key). */
  claimStale(em: EntityManager, id: string, owner: string, stuckAfterMs: number): Promise<Row | null>;
  /**
   * Takes a saga over to undo it from the state it is in (a cancellation): the lease passes to
   * `owner`, the row enters its undo state with the first compensation recorded, in one statement,
   * with the subgraph's writes for the move. Null when the saga is not in one of `from`.
   */
  takeOver(
    run: Omit<Run, 'row'>,
    input: {
      from: readonly S[];
      failureCode?: string | null;
      values?: Readonly<Record<string, unknown>>;
      detail?: Readonly<Record<string, unknown>>;
    },
  ): Promise<Row | null>;
  /** One recovery pass: claims stuck sagas and drives each; `before` may take a claimed one over first. */
  recover(
    em: EntityManager,
    claim: StuckClaim,
    runOf: (row: Row) => Run,
    before?: (run: Run) => Promise<void>,
  ): Promise<number>;
}

const appendDone = `compensations_done || array(
      select t.s from unnest(:done::text[]) with ordinality as t(s, i)
       where not (t.s = any(compensations_done)) order by t.i)`;

export function defineSaga<
  S extends string,
  Step extends string,
  Row extends SagaColumns<Step>,
  Run extends SagaRun<Row>,
>(d: SagaDeclaration<S, Step, Row, Run>): Saga<S, Step, Row, Run> {
  const plan = planOf(d);
  const { table: t, key, stateColumn: state, row } = d.table;
  const settable = Object.entries(d.table.settable ?? {});
  const extraSet = [
    ...settable.map(([name, column]) => `${column} = coalesce(:${name}, ${column})`),
    ...(d.table.moveAssignments ? [d.table.moveAssignments] : []),
  ]
    .map((a) => `${a},`)
    .join('\n            ');
  const stepsByName = new Map(d.steps.map((s) => [s.name, s]));
  const compensationsByName = new Map((d.compensations ?? []).map((c) => [c.name, c]));

  // Statements are compiled once, here; their values are checked by name at every run.
  type Values = Record<string, unknown>;
  const moveUpdate = `update ${t}
        set ${state} = :to, step = :step, attempts = :attempts, last_error = :lastError,
            failure_code = coalesce(:failureCode, failure_code),
            compensate_from = coalesce(:compensateFrom, compensate_from),
            compensations_done = ${appendDone},
            ${extraSet}
            updated_at = now()
      where ${key} = :id and owner = :owner and ${state} = :from`;
  const MOVE = sql<Values, Row>(`${moveUpdate} returning ${row.columns}`, { row });
  // An update with the subgraph's writes as parts: one statement per distinct update and set of
  // parts, compiled once.
  const withParts = new Map<string, Statement<Values, Row>>();
  const composed = (update: string, ctes: readonly string[]): Statement<Values, Row> => {
    const text = `with moved as (${update} returning *),\n${ctes.join(',\n')}\nselect ${row.columns} from moved`;
    let st = withParts.get(text);
    if (!st) {
      st = sql<Values, Row>(text, { row });
      withParts.set(text, st);
    }
    return st;
  };
  const moveWith = (ctes: readonly string[]) => composed(moveUpdate, ctes);
  const MARK_STEP = sql<{ id: string; owner: string; step: string }, Row>(
    `update ${t} set step = :step, attempts = attempts + 1, updated_at = now()
      where ${key} = :id and owner = :owner returning ${row.columns}`,
    { row },
  );
  const PROGRESS = sql<{ id: string; owner: string; done: string[]; step: string; lastError: string | null }, Row>(
    `update ${t}
        set compensations_done = ${appendDone}, step = :step, attempts = 1,
            last_error = coalesce(:lastError, last_error), updated_at = now()
      where ${key} = :id and owner = :owner returning ${row.columns}`,
    { row },
  );
  const RECORD_ERROR = sql<{ id: string; owner: string; message: string }>(
    `update ${t} set last_error = :message, updated_at = now() where ${key} = :id and owner = :owner`,
  );
  const openPredicate = stateIn(state, d.open);
  const CLAIM_STUCK = sql<{ owner: string; stuckAfterMs: number; limit: number }, Row>(
    `update ${t} set owner = :owner, updated_at = now()
      where ${key} in (select ${key} from ${t}
                        where ${openPredicate}
                          and updated_at < now() - make_interval(secs => :stuckAfterMs::double precision / 1000)
                        order by updated_at limit :limit for update skip locked)
      returning ${row.columns}`,
    { row },
  );
  const CLAIM_STALE = sql<{ id: string; owner: string; stuckAfterMs: number }, Row>(
    `update ${t} set owner = :owner, updated_at = now()
      where ${key} = :id and ${openPredicate}
        and updated_at < now() - make_interval(secs => :stuckAfterMs::double precision / 1000)
      returning ${row.columns}`,
    { row },
  );
  // The undo state and first compensation of each state a takeover may start from.
  const undoCases = (pick: (from: S) => string | null) =>
    (Object.keys(d.transitions) as S[])
      .map((from) => [from, pick(from)] as const)
      .filter((pair): pair is readonly [S, string] => pair[1] !== null)
      .map(([from, value]) => `when '${from}' then '${value}'`)
      .join(' ');
  const takeOverExtra = d.table.takeOverAssignments;
  const takeOverValues = takeOverExtra?.values ?? [];
  const takeOverUpdate = `update ${t}
        set ${state} = case ${state} ${undoCases((from) => plan.undoFrom(from)?.during ?? null)} end,
            step = case ${state} ${undoCases((from) => plan.compensationsFrom(from)[0] ?? null)} else null end,
            compensate_from = ${state}, compensations_done = '{}', attempts = 1, last_error = null,
            failure_code = coalesce(:failureCode, failure_code),
            owner = :owner,
            ${takeOverExtra ? `${takeOverExtra.sql},` : ''}
            updated_at = now()
      where ${key} = :id and ${state} = any(:fromStates::text[])`;
  const TAKE_OVER = sql<Values, Row>(`${takeOverUpdate} returning ${row.columns}`, { row });
  const takeOverWith = (ctes: readonly string[]) => composed(takeOverUpdate, ctes);
  for (const s of d.steps) {
    if (s.compensation && !compensationsByName.has(s.compensation)) {
      throw new Error(`saga ${d.name}: step ${s.name} names an undeclared compensation ${s.compensation}`);
    }
  }

  const lost = (lease: SagaLease) => new LeaseLost(lease.id, d.noun);

  const recordError = async (run: Pick<Run, 'em' | 'lease'> & { row?: Row }, message: string) => {
    const lastError = message.slice(0, 1000);
    await execute(run.em, RECORD_ERROR, { id: run.lease.id, owner: run.lease.owner, message: lastError });
    // The caller answers with the row as this run left it.
    if (run.row) run.row = { ...run.row, lastError };
  };

  const markStep = async (run: Run, step: Step): Promise<Row> => {
    const written = await queryOne(run.em, MARK_STEP, { id: run.lease.id, owner: run.lease.owner, step });
    if (!written) throw lost(run.lease);
    run.row = written;
    return written;
  };

  const extraValues = (input: { value?: StepValue }): Values => {
    const values: Values = {};
    for (const [name] of settable) values[name] = input.value?.set?.[name] ?? null;
    return values;
  };

  const move = async (run: Run, input: MoveInput<S, Step>): Promise<Row> => {
    const { from, to } = input;
    if (!plan.canTransition(from, to)) {
      const refused = new IllegalTransition(run.lease.id, from, to, d.noun);
      await recordError(run, refused.message);
      throw refused;
    }
    const done = [...(input.done ?? [])];
    const compensateFrom = input.compensateFrom ?? null;
    const allDone = [...run.row.compensationsDone, ...done];
    const next = plan.stepAfter(
      to,
      compensateFrom ?? (run.row.compensateFrom as S | null),
      compensateFrom ? done : allDone,
    );
    const values: Values = {
      id: run.lease.id,
      owner: run.lease.owner,
      from,
      to,
      step: next,
      attempts: next ? 1 : 0,
      lastError: input.lastError?.slice(0, 1000) ?? null,
      failureCode: input.failureCode ?? null,
      compensateFrom,
      done,
      ...extraValues(input),
    };
    const m: Move<S, Step> = {
      from,
      to,
      cause: input.cause ?? 'manual',
      step: input.step ?? null,
      value: input.value,
      failure: input.failure,
      done: allDone,
      detail: input.detail,
    };
    const write = async (em: EntityManager) => {
      const written = await queryOne(em, MOVE, values);
      if (!written) throw lost(run.lease);
      return written;
    };
    const hook = d.onMove;
    let written: Row;
    if (hook && hook.writes(m)) {
      await hook.prepare?.(run, m);
      const parts = hook.parts(run, m);
      const one = await queryOne(run.em, moveWith(parts.ctes), { ...values, ...parts.values });
      if (!one) throw lost(run.lease);
      written = one;
      parts.after?.(run.em);
    } else {
      written = await write(run.em);
    }
    run.row = written;
    d.afterMove?.(run, m);
    return written;
  };

  /** One compensation with its fallback; true when the drive goes on. */
  const compensate = async (
    run: Run,
    step: Step,
    undo: Undo<S>,
    recorded: boolean,
    refuse: (r: { code: string; message: string }) => void,
  ): Promise<boolean> => {
    const comp = compensationsByName.get(step);
    if (!comp) throw new Error(`saga ${d.name}: no compensation ${step}`);
    if (!recorded) await markStep(run, step);
    let res = await safely(comp.action, run);
    const done: Step[] = [step];
    if (!res.ok && !res.transient && comp.fallback && res.code === comp.fallback.code) {
      await markStep(run, comp.fallback.then);
      const fallback = compensationsByName.get(comp.fallback.then);
      if (!fallback) throw new Error(`saga ${d.name}: no compensation ${comp.fallback.then}`);
      res = await safely(fallback.action, run);
      done.push(comp.fallback.then);
    }
    if (!res.ok && res.transient) {
      run.log.warn(
        { saga: d.name, id: run.lease.id, step, code: res.code, err: res.message },
        'compensation got no answer; recovery will retry it',
      );
      await recordError(run, `${step}: ${res.message}`);
      return false;
    }
    let lastError: string | null = null;
    if (!res.ok) {
      run.log.error({ saga: d.name, id: run.lease.id, step, code: res.code, err: res.message }, 'compensation refused');
      refuse({ code: res.code, message: res.message });
      lastError = `${step} refused (${res.code}): ${res.message}`;
      const current = d.table.stateOf(run.row);
      if (d.reversal && undo === d.reversal && d.reversal.refused === 'restore') {
        await move(run, {
          from: current,
          to: plan.completed,
          cause: 'restore',
          step,
          failure: { transient: false, code: res.code, message: res.message },
          lastError: res.message,
        });
        return false;
      }
    } else {
      d.afterStep?.(run, step);
    }
    const compensateFrom = (run.row.compensateFrom as S | null) ?? d.initial;
    const left = plan
      .compensationsFrom(compensateFrom)
      .filter((c) => !run.row.compensationsDone.includes(c) && !done.includes(c));
    const nextStep = left[0];
    if (nextStep) {
      const written = await queryOne(run.em, PROGRESS, {
        id: run.lease.id,
        owner: run.lease.owner,
        done,
        step: nextStep,
        lastError,
      });
      if (!written) throw lost(run.lease);
      run.row = written;
      return true;
    }
    await move(run, {
      from: d.table.stateOf(run.row),
      to: undo.done,
      cause: 'finish',
      step,
      done,
      lastError,
    });
    return false;
  };

  const drive = async (run: Run, recordedStep: Step | null = null): Promise<RunOutcome<Row>> => {
    let refusal: RunOutcome<Row>['refusal'] = null;
    const refuse = (r: { code: string; message: string }) => {
      refusal ??= r;
    };
    let recorded = recordedStep;
    await driveSaga(run.log, { label: `${d.name} saga`, fields: { [d.noun]: run.lease.id } }, async () => {
      // Bounded: every path ends within the forward steps plus the compensations and their fallbacks.
      const bound = 2 * (d.steps.length + (d.compensations?.length ?? 0)) + 4;
      for (let i = 0; i < bound; i += 1) {
        const current = d.table.stateOf(run.row);
        const action = plan.next({
          state: current,
          compensateFrom: run.row.compensateFrom,
          compensationsDone: run.row.compensationsDone,
        });
        if (action.kind === 'none') return;
        if (action.kind === 'finish') {
          await move(run, { from: current, to: action.to, cause: 'finish', done: [] });
          return;
        }
        const wasRecorded = recorded === action.step && run.row.step === action.step;
        recorded = null;
        if (action.kind === 'compensate') {
          const goOn = await compensate(run, action.step, action.undo, wasRecorded, refuse);
          if (!goOn) return;
          recorded = run.row.step;
          continue;
        }
        const step = stepsByName.get(action.step) as ForwardStep<S, Step, Run>;
        if (!wasRecorded) await markStep(run, step.name);
        const res = await safely(step.action, run);
        if (res.ok) {
          d.afterStep?.(run, step.name);
          await move(run, {
            from: current,
            to: action.next,
            cause: 'step',
            step: step.name,
            value: res.value ?? undefined,
          });
          recorded = run.row.step;
          continue;
        }
        const failure: StepFailure = { transient: res.transient, code: res.code, message: res.message };
        const fields = { saga: d.name, id: run.lease.id, step: step.name, code: res.code, err: res.message };
        if (res.transient) run.log.warn(fields, 'saga step got no answer');
        else run.log.info(fields, 'saga step refused');
        const decision = (step.onFailure ?? defaultOnFailure)(failure, run.row.attempts, run);
        if (decision === 'retry') {
          await recordError(run, `${step.name}: ${res.message}`);
          return;
        }
        if (!res.transient) refuse({ code: res.code, message: res.message });
        const undo = decision === 'compensate' ? plan.undoFrom(current) : null;
        if (!undo) {
          await move(run, {
            from: current,
            to: d.aborted,
            cause: 'abort',
            step: step.name,
            failure,
            failureCode: res.code,
            lastError: res.message,
          });
          return;
        }
        await move(run, {
          from: current,
          to: undo.during,
          cause: 'compensate',
          step: step.name,
          failure,
          failureCode: res.code,
          compensateFrom: current,
          lastError: res.message,
        });
        recorded = run.row.step;
      }
    });
    return { row: run.row, refusal };
  };

  return {
    declaration: d,
    plan,
    drive,
    move,
    markStep,
    recordError,
    claimStuck: (em, claim) => queryRows(em, CLAIM_STUCK, { ...claim }),
    claimStale: (em, id, owner, stuckAfterMs) => queryOne(em, CLAIM_STALE, { id, owner, stuckAfterMs }),
    takeOver: async (base, input) => {
      // Where undoing any of `from` runs: the subgraph's writes are part of the takeover's statement,
      // so the state they name must be known before it runs.
      const during = [...new Set(input.from.map((f) => plan.undoFrom(f)?.during))];
      const to = during[0];
      if (during.length !== 1 || !to) throw new Error(`saga ${d.name}: cannot take over from ${input.from.join(', ')}`);
      const values: Values = {
        id: base.lease.id,
        owner: base.lease.owner,
        failureCode: input.failureCode ?? null,
        fromStates: [...input.from],
      };
      for (const name of takeOverValues) values[name] = input.values?.[name] ?? null;
      const m: Move<S, Step> = {
        from: input.from[0] as S,
        to,
        cause: 'takeover',
        step: null,
        done: [],
        detail: input.detail,
      };
      const hook = d.onMove;
      if (!hook || !hook.writes(m)) return queryOne(base.em, TAKE_OVER, values);
      // The run has no row yet: what the parts read of it is the lease.
      const run = { ...base } as Run;
      await hook.prepare?.(run, m);
      const parts = hook.parts(run, m);
      const written = await queryOne(base.em, takeOverWith(parts.ctes), { ...values, to, ...parts.values });
      if (written) parts.after?.(base.em);
      return written;
    },
    recover: async (em, claim, runOf, before) => {
      const claimed = await queryRows(em, CLAIM_STUCK, { ...claim });
      for (const row of claimed) {
        const run = runOf(row);
        run.log.info(
          { saga: d.name, id: run.lease.id, state: d.table.stateOf(row), step: row.step },
          'resuming an interrupted saga',
        );
        if (before) await before(run);
        await drive(run);
      }
      return claimed.length;
    },
  };
}

/** An unknown outcome is retried later; a refusal compensates. */
function defaultOnFailure(failure: StepFailure): FailureDecision {
  return failure.transient ? 'retry' : 'compensate';
}

/** A step's call that throws is an unknown outcome, never a crash of the drive loop. */
async function safely<V, Run>(action: (run: Run) => Promise<StepResult<V>>, run: Run): Promise<StepResult<V>> {
  try {
    return await action(run);
  } catch (err) {
    return { ok: false, transient: true, code: 'STEP_ERROR', message: (err as Error).message };
  }
}

/**
 * Runs one saga's drive loop and ends it quietly where it must stop: a lost lease (another runner
 * has it), a move the transition table refused (a bug, not an outage: retrying would refuse the same
 * move, and the row says why it stopped), or an unexpected error (the database gone), which leaves
 * the persisted state for recovery. Business outcomes are the loop's own; it never throws.
 */
export async function driveSaga(
  log: Logger,
  saga: { label: string; fields: Record<string, unknown> },
  drive: () => Promise<void>,
): Promise<void> {
  try {
    await drive();
  } catch (err) {
    if (err instanceof LeaseLost) {
      log.info(saga.fields, `${saga.label} taken over by another runner; stopping here`);
    } else if (err instanceof IllegalTransition) {
      log.error({ err, ...saga.fields }, `${saga.label} stopped: the transition table refused a move`);
    } else {
      log.error({ err, ...saga.fields }, `${saga.label} interrupted; recovery will resume it`);
    }
  }
}
