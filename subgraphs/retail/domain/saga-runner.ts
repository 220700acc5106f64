import {
  defineSaga,
  sagaRun,
  eventsWritten,
  IllegalTransition,
  LeaseLost,
  requireFound,
  type Move,
  type MoveParts,
  outboxInsertPart,
  type SagaRun,
  type StepResult,
} from '../../kit/domain';
import type { RetailContext } from './context';
import { saleCancelled, saleRecorded, type RetailEvent } from './events';
import { saleById, saleLinesBySales, storeById } from './reads';
import { OPEN_STATES, outcomeLabel, TRANSITIONS, type SaleStep } from './sale-saga';
import { SALE } from './sql/rows';
import type { Sale, SaleLine, SaleStatus } from './types';

/**
 * The point-of-sale sale, declared on the kit's saga engine (kit/saga.ts, ADR 0023): reserve the
 * basket at the store's location, commit it; a refused commit releases what is held (restock when the
 * commit happened after all), and cancelSale's reversal restocks a completed sale. The sale row is the
 * saga row: each move is one conditional UPDATE of it, returning it, with the step it leads to
 * recorded as in flight, so a sale is never re-read. What is retail's own: the sale's events, written
 * with the move that causes them, and its observer (outcomes, test faults).
 */

export { IllegalTransition, LeaseLost };

export interface SaleLease {
  saleId: string;
  owner: string;
}

/** One drive of a sale: what it knows already, so that the live path reads nothing twice. */
export interface SaleRun extends SagaRun<Sale> {
  ctx: RetailContext;
  /** Its lines, when the caller holds them. */
  lines?: SaleLine[];
  /** The store's stock location, when the caller holds it. */
  locationId?: string;
}

async function linesOf(run: SaleRun): Promise<SaleLine[]> {
  run.lines ??= await saleLinesBySales(run.ctx, [run.lease.id]);
  return run.lines;
}

async function locationOf(run: SaleRun): Promise<string> {
  if (!run.locationId) {
    // sales.store_id references stores(id): a missing row is a broken database, not a client error.
    const store = requireFound(
      await storeById(run.ctx, run.row.storeId),
      () => new Error(`sale ${run.row.id} has no store ${run.row.storeId}`),
    );
    run.locationId = store.locationId;
  }
  return run.locationId;
}

/** The basket leaves the store's shelf in one call to inventory (takeStock: every line or none, idempotent by sale id). */
async function takeStock(run: SaleRun): Promise<StepResult> {
  const lines = await linesOf(run);
  const res = await run.ctx.inventory.take(
    run.row.id,
    lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
    await locationOf(run),
  );
  return res.ok ? { ok: true, value: undefined } : res;
}

/** The event a move writes with it: the sale completed (its stock taken), or its cancellation done. */
function eventOf(move: Move<SaleStatus, SaleStep>): ((sale: Sale, lines: SaleLine[], at: Date) => RetailEvent) | null {
  if (move.to === 'COMPLETED' && move.from !== 'CANCELLING') return saleRecorded;
  if (move.to === 'CANCELLED') return saleCancelled;
  return null;
}

/** The lines an event needs, when a resumed run does not hold them. */
async function prepareEvent(run: SaleRun): Promise<void> {
  await linesOf(run);
}

/** The move's event as a part of the move's own statement: written exactly when the move is. */
function eventPart(run: SaleRun, move: Move<SaleStatus, SaleStep>): MoveParts {
  const event = eventOf(move);
  if (!event) return { ctes: [], values: {} };
  const part = outboxInsertPart('ev', 'moved', run.ctx.requestId, [event(run.row, run.lines ?? [], run.ctx.clock())]);
  return { ctes: [part.sql], values: part.values, after: eventsWritten };
}

// A till never compensates an unknown outcome: the customer has the goods; recovery tries again.
const retryIfUnknown = (failure: { transient: boolean }) => (failure.transient ? ('retry' as const) : null);

export const SALE_SAGA = defineSaga<SaleStatus, SaleStep, Sale, SaleRun>({
  name: 'sale',
  noun: 'sale',
  table: {
    table: 'sales',
    key: 'id',
    stateColumn: 'status',
    stateOf: (row) => row.status,
    keyOf: (row) => row.id,
    row: SALE,
    // Back to COMPLETED only when a cancellation was refused: it leaves no trace on the sale.
    moveAssignments: `cancel_reason = case when :to = 'COMPLETED' then null else cancel_reason end,
            cancelled_by = case when :to = 'COMPLETED' then null else cancelled_by end`,
    takeOverAssignments: {
      sql: 'cancel_reason = :cancelReason, cancelled_by = :cancelledBy',
      values: ['cancelReason', 'cancelledBy'],
    },
  },
  initial: 'PENDING',
  steps: [
    {
      name: 'TAKE_STOCK',
      reaches: 'COMPLETED',
      action: takeStock,
      // A take whose answer was lost is undone by a release, which refuses (and falls back to a
      // restock) when the take did happen.
      compensation: 'RELEASE_STOCK',
      // All or nothing in inventory: a refusal (INSUFFICIENT_STOCK...) holds nothing.
      onFailure: (failure) => retryIfUnknown(failure) ?? 'abort',
    },
  ],
  compensations: [
    {
      name: 'RELEASE_STOCK',
      action: (run) =>
        run.ctx.inventory.release(run.row.id, `sale ${run.row.number} failed: ${run.row.failureCode ?? 'unknown'}`),
      // Refused because the stock was taken after all (the answer was lost): the units left the
      // stock, so they are put back with a restock instead.
      fallback: { code: 'RESERVATION_NOT_ACTIVE', then: 'RESTOCK' },
    },
    {
      name: 'RESTOCK',
      action: (run) =>
        run.ctx.inventory.restock(
          run.row.id,
          run.row.status === 'CANCELLING'
            ? `sale ${run.row.number} cancelled: ${run.row.cancelReason ?? ''}`
            : `sale ${run.row.number} failed after its stock was taken`,
        ),
    },
  ],
  aborted: 'FAILED',
  failed: { during: 'FAILING', done: 'FAILED' },
  // Inventory refusing to take a cancelled sale's units back leaves the sale as it was; the manager is told.
  reversal: { during: 'CANCELLING', done: 'CANCELLED', steps: ['RESTOCK'], refused: 'restore' },
  transitions: TRANSITIONS,
  open: OPEN_STATES,
  onMove: { writes: (move) => eventOf(move) !== null, prepare: prepareEvent, parts: eventPart },
  afterMove: (run, move) => {
    const outcome = outcomeLabel(move.from, move.to, run.row.failureCode);
    if (outcome) run.ctx.events.saleSettled(run.row, outcome);
  },
  afterStep: (run, step) => run.ctx.events.stepSucceeded(run.row.id, step),
});

/** What a caller of runSale knows already. */
export interface KnownSale {
  lease: SaleLease;
  /** The sale as last written. */
  sale: Sale;
  lines?: SaleLine[];
  locationId?: string;
  /** The step the caller's last write recorded as in flight; any other is marked first. */
  recorded?: SaleStep | null;
}

export interface SagaOutcome {
  sale: Sale;
  /** A definitive refusal of inventory the caller should show (the sale's failure, a refused cancellation). */
  refusal: { code: string; message: string } | null;
}

function runOf(ctx: RetailContext, known: Omit<KnownSale, 'recorded'>): SaleRun {
  const { lines, locationId } = known;
  return sagaRun(ctx, { id: known.lease.saleId, owner: known.lease.owner }, known.sale, { lines, locationId });
}

/**
 * Drives a sale as far as it can go now: to rest (COMPLETED, FAILED, CANCELLED), or until a step must
 * be retried later (recovery resumes it). Never throws for business reasons; an unexpected error (the
 * database gone) leaves the persisted state for recovery and answers the sale as last written.
 */
export async function runSale(ctx: RetailContext, known: KnownSale): Promise<SagaOutcome> {
  const { row, refusal } = await SALE_SAGA.drive(runOf(ctx, known), known.recorded ?? null);
  return { sale: row, refusal };
}

/**
 * One move asked for directly (tests, operators' tools): checked against the transition table
 * (IllegalTransition, recorded on the sale) and conditional on the lease.
 */
export async function transition(
  ctx: RetailContext,
  lease: SaleLease,
  move: { from: SaleStatus; to: SaleStatus },
): Promise<Sale> {
  const sale = requireFound(await saleById(ctx, lease.saleId), () => new LeaseLost(lease.saleId, 'sale'));
  return SALE_SAGA.move(runOf(ctx, { lease, sale }), { from: move.from, to: move.to });
}

/**
 * One recovery pass over sales: each claimed sale driven on from where it stopped. A sale left in
 * STOCK_RESERVED by the reserve-then-commit flow of before the one-call take is committed first (the
 * customer has the goods), or compensated when inventory refuses the commit.
 */
export function recoverSales(ctx: RetailContext, claim: { owner: string; stuckAfterMs: number; limit: number }) {
  return SALE_SAGA.recover(
    ctx.em,
    claim,
    (sale) => runOf(ctx, { lease: { saleId: sale.id, owner: claim.owner }, sale }),
    async (run) => {
      if (run.row.status !== 'STOCK_RESERVED') return;
      const res = await ctx.inventory.commit(run.row.id);
      if (res.ok) {
        await SALE_SAGA.move(run, { from: 'STOCK_RESERVED', to: 'COMPLETED', cause: 'step', step: 'COMMIT_STOCK' });
      } else if (!res.transient) {
        const failure = { transient: false, code: res.code, message: res.message };
        await SALE_SAGA.move(run, {
          from: 'STOCK_RESERVED',
          to: 'FAILING',
          cause: 'compensate',
          step: 'COMMIT_STOCK',
          failure,
          failureCode: res.code,
          compensateFrom: 'STOCK_RESERVED',
          lastError: res.message,
        });
      }
    },
  );
}
