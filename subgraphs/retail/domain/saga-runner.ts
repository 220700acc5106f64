import type { EntityManager } from '@mikro-orm/postgresql';
import {
  driveSaga,
  IllegalTransition,
  LeaseLost,
  legacyProjectedRow,
  sagaStore,
  stateIn,
  type ReserveLine,
  type StepResult,
} from '../../kit/domain';
import type { RetailContext } from './context';
import { recordRetailEvents, saleCancelled, saleRecorded, type RetailEvent } from './events';
import { SALE, saleLinesBySales, storeById } from './reads';
import {
  nextAction,
  onStepFailure,
  OPEN_STATES,
  outcomeLabel,
  TRANSITIONS,
  type CompensationStep,
  type SaleStep,
} from './sale-saga';
import type { Sale, SaleLine, SaleStatus } from './types';

/**
 * Executes the sale saga (domain/sale-saga.ts) on the kit's saga machinery (kit/saga.ts). The sale
 * row carries the saga's bookkeeping: before a step's call its `step` and `attempts` are persisted (by
 * the transition that leads to it, or by markStep when a step is retried), after it one conditional
 * UPDATE moves the sale to its next state. `owner` is a lease: every write is conditional on it, so
 * when recovery or a replay takes a sale over, the previous runner's next write fails and it stops
 * (LeaseLost) instead of racing. These writes are lean SQL, not the unit of work, because each is
 * conditional (`where owner = ? and status = ?`) and its row count is the answer; each returns the
 * row, so a sale is never re-read.
 */

export { IllegalTransition, LeaseLost };

export interface SaleLease {
  saleId: string;
  owner: string;
}

/** sales as the kit's saga store writes them; recovery claims the open ones (sales_open_idx). */
export const SALES = sagaStore({
  table: 'sales',
  key: 'id',
  idOf: (lease: SaleLease) => lease.saleId,
  noun: 'sale',
  row: SALE,
  transitions: TRANSITIONS,
  open: stateIn('status', OPEN_STATES),
});

/** What a run knows already, so that the live path reads nothing twice. */
export interface SagaRun {
  lease: SaleLease;
  /** The sale as last written. */
  sale: Sale;
  /** Its lines, when the caller holds them. */
  lines?: SaleLine[];
  /** The store's stock location, when the caller holds it. */
  locationId?: string;
  /** The step the caller's last write recorded as in flight (a new sale: RESERVE_STOCK); any other is marked first. */
  recorded?: SaleStep | null;
}

export interface SagaOutcome {
  sale: Sale;
  /** A definitive refusal of inventory the caller should show (the sale's failure, a refused cancellation). */
  refusal: { code: string; message: string } | null;
}

interface Move {
  from: SaleStatus;
  to: SaleStatus;
  failureCode?: string | null;
  lastError?: string | null;
}

/** The event a move writes with it: the sale completed (its stock taken), or its cancellation done. */
function eventOf(from: SaleStatus, to: SaleStatus): ((sale: Sale, lines: SaleLine[], at: Date) => RetailEvent) | null {
  if (from === 'STOCK_RESERVED' && to === 'COMPLETED') return saleRecorded;
  if (to === 'CANCELLED') return saleCancelled;
  return null;
}

/**
 * Moves a sale from `from` to `to` with the step `to` runs next recorded as in flight (attempt 1), in
 * one conditional statement, and tells the observer when the sale comes to rest. A move the table
 * does not allow is refused before anything is written. The two moves that report something
 * (COMPLETED after the commit: sale.recorded; CANCELLED: sale.cancelled) write their event in the
 * same transaction, after the sale's row, so an event exists exactly when the move committed.
 * `lines` are the sale's when the caller holds them (read in the transaction otherwise).
 */
export async function transition(ctx: RetailContext, lease: SaleLease, move: Move, lines?: SaleLine[]): Promise<Sale> {
  const { from, to } = move;
  await SALES.checkTransition(ctx.em, lease, from, to);
  const event = eventOf(from, to);
  const row = event
    ? await ctx.em.transactional(async (tx) => {
        const moved = await moveSale(tx, lease, move);
        const saleLines = lines ?? (await saleLinesBySales({ em: tx }, [moved.id]));
        await recordRetailEvents({ em: tx, requestId: ctx.requestId }, [event(moved, saleLines, ctx.clock())]);
        return moved;
      })
    : await moveSale(ctx.em, lease, move);
  const outcome = outcomeLabel(from, to, row.failureCode);
  if (outcome) ctx.events.saleSettled(row.id, outcome);
  return row;
}

/** The conditional UPDATE of a move; LeaseLost when the sale is no longer this run's or has moved. */
async function moveSale(em: EntityManager, lease: SaleLease, move: Move): Promise<Sale> {
  const { from, to } = move;
  const action = nextAction(to);
  const step = action.kind === 'step' ? action.step : null;
  const row = await legacyProjectedRow(
    em,
    SALE,
    `update sales
        set status = ?, step = ?, attempts = ?, last_error = ?,
            failure_code = coalesce(?, failure_code),
            -- back to COMPLETED only when a cancellation was refused: it leaves no trace on the sale
            cancel_reason = case when ? = 'COMPLETED' then null else cancel_reason end,
            cancelled_by = case when ? = 'COMPLETED' then null else cancelled_by end,
            updated_at = now()
      where id = ? and owner = ? and status = ?
      returning ${SALE.columns}`,
    [
      to,
      step,
      step ? 1 : 0,
      move.lastError?.slice(0, 1000) ?? null,
      move.failureCode ?? null,
      to,
      to,
      lease.saleId,
      lease.owner,
      from,
    ],
  );
  if (!row) throw new LeaseLost(lease.saleId, 'sale');
  return row;
}

/** The lines to reserve, one per product. */
async function reserveLines(ctx: RetailContext, run: SagaRun): Promise<ReserveLine[]> {
  run.lines ??= await saleLinesBySales(ctx, [run.sale.id]);
  return run.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
}

async function locationOf(ctx: RetailContext, run: SagaRun): Promise<string> {
  if (!run.locationId) {
    const store = await storeById(ctx, run.sale.storeId);
    // sales.store_id references stores(id): a missing row is a broken database, not a client error.
    if (!store) throw new Error(`sale ${run.sale.id} has no store ${run.sale.storeId}`);
    run.locationId = store.locationId;
  }
  return run.locationId;
}

async function perform(ctx: RetailContext, run: SagaRun, step: SaleStep): Promise<StepResult> {
  const { sale } = run;
  try {
    switch (step) {
      case 'RESERVE_STOCK': {
        const res = await ctx.inventory.reserve(
          sale.id,
          await reserveLines(ctx, run),
          ctx.settings.reservationTtlSeconds,
          await locationOf(ctx, run),
        );
        return res.ok ? { ok: true, value: undefined } : res;
      }
      case 'COMMIT_STOCK':
        return await ctx.inventory.commit(sale.id);
      case 'RELEASE_STOCK':
        return await ctx.inventory.release(sale.id, `sale ${sale.number} failed: ${sale.failureCode ?? 'unknown'}`);
      case 'RESTOCK':
        return await ctx.inventory.restock(
          sale.id,
          sale.status === 'CANCELLING'
            ? `sale ${sale.number} cancelled: ${sale.cancelReason ?? ''}`
            : `sale ${sale.number} failed after its stock was taken`,
        );
    }
  } catch (err) {
    return { ok: false, transient: true, code: 'INVENTORY_ERROR', message: (err as Error).message };
  }
}

/** A compensation's fallback (a release refused because the commit happened after all). */
async function runFallback(
  ctx: RetailContext,
  run: SagaRun,
  step: CompensationStep,
  to: SaleStatus,
): Promise<{ sale: Sale; goOn: boolean }> {
  run.sale = await SALES.markStep(ctx.em, run.lease, step);
  const res = await perform(ctx, run, step);
  if (res.ok) {
    ctx.events.stepSucceeded(run.sale.id, step);
    return { sale: await transition(ctx, run.lease, { from: run.sale.status, to }, run.lines), goOn: true };
  }
  if (res.transient) {
    await SALES.recordError(ctx.em, run.lease, `${step}: ${res.message}`);
    return { sale: run.sale, goOn: false };
  }
  ctx.log.error({ saleId: run.sale.id, step, code: res.code, err: res.message }, 'compensation refused');
  const lastError = `${step} refused (${res.code}): ${res.message}`;
  return { sale: await transition(ctx, run.lease, { from: run.sale.status, to, lastError }, run.lines), goOn: true };
}

/**
 * Drives a sale as far as it can go now: to rest (COMPLETED, FAILED, CANCELLED), or until a step must
 * be retried later (recovery resumes it). Never throws for business reasons; an unexpected error (the
 * database gone) leaves the persisted state for recovery and answers the sale as last written.
 */
export async function runSale(ctx: RetailContext, run: SagaRun): Promise<SagaOutcome> {
  let refusal: SagaOutcome['refusal'] = null;
  // The step the last write of this run recorded as in flight; any other step is marked first.
  let recorded = run.recorded ?? null;
  await driveSaga(ctx.log, { label: 'sale saga', fields: { saleId: run.sale.id } }, async () => {
    // Bounded: the longest path is reserve, commit refused, release refused, restock.
    for (let i = 0; i < 8; i += 1) {
      const action = nextAction(run.sale.status);
      if (action.kind === 'none') break;
      const { step, next } = action;
      if (recorded !== step) run.sale = await SALES.markStep(ctx.em, run.lease, step);
      recorded = null;
      const res = await perform(ctx, run, step);
      if (res.ok) {
        ctx.events.stepSucceeded(run.sale.id, step);
        run.sale = await transition(ctx, run.lease, { from: run.sale.status, to: next }, run.lines);
        recorded = run.sale.step;
        continue;
      }
      // No answer is an operational problem; a refusal (INSUFFICIENT_STOCK...) is business as usual.
      const failed = { saleId: run.sale.id, step, code: res.code, transient: res.transient, err: res.message };
      if (res.transient) ctx.log.warn(failed, 'sale saga step got no answer; recovery will retry it');
      else ctx.log.info(failed, 'sale saga step refused');
      const decision = onStepFailure(step, res);
      if (decision.kind === 'retry-later') {
        await SALES.recordError(ctx.em, run.lease, `${step}: ${res.message}`);
        break;
      }
      refusal = { code: res.code, message: res.message };
      // Inventory's own words ("Only 2 of prod-0042 available..."): what the till shows for a failed sale.
      const lastError = res.message;
      if (decision.kind === 'fallback') {
        const done = await runFallback(ctx, run, decision.step, next);
        run.sale = done.sale;
        if (!done.goOn) break;
        continue;
      }
      if (decision.kind === 'give-up') {
        ctx.log.error({ saleId: run.sale.id, step, code: res.code, err: res.message }, 'compensation refused');
      }
      // The cause of a failure is the first refusal; a refused compensation keeps it.
      const failureCode = decision.kind === 'give-up' ? null : decision.to === 'COMPLETED' ? null : res.code;
      run.sale = await transition(
        ctx,
        run.lease,
        { from: run.sale.status, to: decision.to, failureCode, lastError },
        run.lines,
      );
      recorded = run.sale.step;
    }
  });
  return { sale: run.sale, refusal };
}
