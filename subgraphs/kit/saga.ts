import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from './logger';
import { legacyProjectedRow, legacyProjectedRows, type Projection } from './projection';
import { legacyExecute } from './sql';

/**
 * The machinery of a lease-fenced saga whose state lives in a table row (ecommerce's checkout, retail's
 * sales and returns): each subgraph keeps its own steps, compensations and state machine, and
 * describes its saga table here; the store does the writes every such saga makes the same way.
 *
 * The row's `owner` is a lease: every write is conditional on it, so when recovery, a replay or a
 * cancellation takes a saga over, the previous runner's next write changes nothing, throws LeaseLost,
 * and that runner stops instead of racing. Before a step's call the row records the step and its
 * attempt (markStep), a failure its message (recordError); a move of the state is checked against the
 * saga's transition table first (checkTransition). These writes are lean SQL, not the unit of work,
 * because each is conditional and its row count is the answer.
 */

/** A saga row's lease and failure bookkeeping (a one-step saga such as a return has no step column). */
export interface LeaseColumns {
  /** Lease holder: the run driving the saga; every saga write is conditional on it. */
  owner: string | null;
  /** Tries of the current step over runs; reset by each transition. */
  attempts: number;
  lastError: string | null;
  failureCode: string | null;
}

/** A saga row's bookkeeping with the step in flight. */
export interface SagaColumns<Step extends string> extends LeaseColumns {
  /** The step in flight (recorded before the call), null between steps. */
  step: Step | null;
}

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

/** A saga table as its subgraph describes it. */
export interface SagaTable<S extends string, Row, L extends { owner: string }> {
  /** e.g. checkout_sagas, sales. */
  table: string;
  /** The key column, e.g. order_id, id. */
  key: string;
  /** The lease's key value (the subgraph's lease names it its own way: orderId, saleId). */
  idOf: (lease: L) => string;
  /** What one saga drives, in messages: "order", "sale". */
  noun: string;
  /** The row as lean reads return it: the store's writes return it too. */
  row: Projection<Row>;
  transitions: TransitionTable<S>;
  /** SQL condition on the rows recovery may claim; the table's partial index predicate, so the index serves it. */
  open: string;
  /** A claim counts as an attempt (a one-step saga re-runs its step at once, without markStep). */
  claimIsAttempt?: boolean;
}

/** How old an unfinished saga must be before recovery takes it over, and how many one pass takes. */
export interface StuckClaim {
  /** The new lease holder (recoveryOwner). */
  owner: string;
  stuckAfterMs: number;
  limit: number;
}

export interface SagaStore<S extends string, Row, L extends { owner: string }> {
  readonly table: SagaTable<S, Row, L>;
  canTransition(from: S, to: S): boolean;
  /** Records `step` as in flight with one more attempt; the row as written. Throws LeaseLost. */
  markStep(em: EntityManager, lease: L, step: string): Promise<Row>;
  /** Records why the saga did not move (cut to 1000 characters); nothing when the lease is lost. */
  recordError(em: EntityManager, lease: L, message: string): Promise<void>;
  /** Refuses a move the transition table does not allow: recorded on the row, thrown as IllegalTransition. */
  checkTransition(em: EntityManager, lease: L, from: S, to: S): Promise<void>;
  /**
   * Takes over unfinished sagas not updated for stuckAfterMs, oldest first: `FOR UPDATE SKIP LOCKED`
   * lets every process run this at once without two of them claiming the same saga, and setting the
   * owner fences off the previous runner should it still be alive. One statement claims the batch.
   */
  claimStuck(em: EntityManager, claim: StuckClaim): Promise<Row[]>;
}

export function sagaStore<S extends string, Row, L extends { owner: string }>(
  table: SagaTable<S, Row, L>,
): SagaStore<S, Row, L> {
  const { table: t, key, row } = table;
  const lost = (lease: L) => new LeaseLost(table.idOf(lease), table.noun);
  const recordError = async (em: EntityManager, lease: L, message: string) => {
    await legacyExecute(em, `update ${t} set last_error = ?, updated_at = now() where ${key} = ? and owner = ?`, [
      message.slice(0, 1000),
      table.idOf(lease),
      lease.owner,
    ]);
  };
  return {
    table,
    canTransition: (from, to) => transitionAllowed(table.transitions, from, to),
    markStep: async (em, lease, step) => {
      const written = await legacyProjectedRow(
        em,
        row,
        `update ${t} set step = ?, attempts = attempts + 1, updated_at = now()
          where ${key} = ? and owner = ? returning ${row.columns}`,
        [step, table.idOf(lease), lease.owner],
      );
      if (!written) throw lost(lease);
      return written;
    },
    recordError,
    checkTransition: async (em, lease, from, to) => {
      if (transitionAllowed(table.transitions, from, to)) return;
      const refused = new IllegalTransition(table.idOf(lease), from, to, table.noun);
      await recordError(em, lease, refused.message);
      throw refused;
    },
    claimStuck: (em, claim) =>
      legacyProjectedRows(
        em,
        row,
        `update ${t} set owner = ?,${table.claimIsAttempt ? ' attempts = attempts + 1,' : ''} updated_at = now()
          where ${key} in (select ${key} from ${t}
                            where ${table.open}
                              and updated_at < now() - make_interval(secs => ?::double precision / 1000)
                            order by updated_at limit ? for update skip locked)
          returning ${row.columns}`,
        [claim.owner, claim.stuckAfterMs, claim.limit],
      ),
  };
}

/** The lease holder of one recovery pass: unique per process (instanceId) and pass. */
export function recoveryOwner(instanceId: string, runId: string): string {
  return `recovery:${instanceId}:${runId}`;
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
