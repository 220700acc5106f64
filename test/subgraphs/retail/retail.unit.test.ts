/**
 * The pure parts of retail: the sale and return sagas' declared plans (domain/saga-runner.ts,
 * domain/returns.ts on the kit engine) and the input rules (domain/validation.ts). No I/O.
 */
import type { StepFailure } from '../../../subgraphs/kit/domain';
import { canTransition, isSettled, outcomeLabel, OPEN_STATES } from '../../../subgraphs/retail/domain/sale-saga';
import { SALE_SAGA, type SaleRun } from '../../../subgraphs/retail/domain/saga-runner';
import { RETURN_SAGA } from '../../../subgraphs/retail/domain/returns';
import { SALE_STATUSES, type SaleStatus } from '../../../subgraphs/retail/domain/types';
import { checkOpeningHours, checkTimeZone, localDate, parseCash } from '../../../subgraphs/retail/domain/validation';

const plan = SALE_SAGA.plan;
const { declaration } = SALE_SAGA;
const at = (state: SaleStatus, compensateFrom: SaleStatus | null = null) => ({
  state,
  compensateFrom,
  compensationsDone: [],
});
const failure = (transient: boolean, code = 'OTHER'): StepFailure => ({ transient, code, message: code });
// The sale's failure rules read nothing from the run.
const noRun = {} as SaleRun;
const decide = (step: string, f: StepFailure) =>
  declaration.steps.find((s) => s.name === step)?.onFailure?.(f, 1, noRun);
/** Where an undo of a sale left in `from` runs. */
const undoOf = (from: SaleStatus) => plan.undoFrom(from);

describe('sale saga, declared on the kit engine', () => {
  it('every open state has a step, and each step leads to a move the table allows', () => {
    for (const status of SALE_STATUSES) {
      const from = status === 'FAILING' ? 'STOCK_RESERVED' : status === 'CANCELLING' ? 'COMPLETED' : null;
      const action = plan.next(at(status, from));
      // STOCK_RESERVED is open for recovery, which commits a legacy sale itself (recoverSales).
      if (status === 'STOCK_RESERVED') {
        expect(action.kind).toBe('none');
        continue;
      }
      expect(action.kind !== 'none').toBe(OPEN_STATES.includes(status));
      if (action.kind === 'forward') expect(canTransition(status, action.next)).toBe(true);
      if (action.kind === 'compensate') expect(canTransition(status, action.undo.done)).toBe(true);
      expect(isSettled(status)).toBe(action.kind === 'none');
    }
  });

  it('every decision on a failure is a move the table allows', () => {
    let from: SaleStatus = declaration.initial;
    for (const s of declaration.steps) {
      for (const transient of [true, false]) {
        const decision = s.onFailure?.(failure(transient), 1, noRun);
        if (decision === 'abort') expect(canTransition(from, declaration.aborted)).toBe(true);
        if (decision === 'compensate') expect(canTransition(from, undoOf(from)!.during)).toBe(true);
      }
      from = s.reaches;
    }
    // A refused reversal puts the sale back where it was.
    expect(canTransition('CANCELLING', plan.completed)).toBe(true);
  });

  it('an unknown outcome is never compensated: the sale waits where it is', () => {
    expect(decide('TAKE_STOCK', failure(true))).toBe('retry');
  });

  it('a refused take holds nothing (FAILED at once); a legacy refused commit is released; a refused release restocks', () => {
    expect(decide('TAKE_STOCK', failure(false, 'INSUFFICIENT_STOCK'))).toBe('abort');
    expect(declaration.aborted).toBe('FAILED');
    // A sale left in STOCK_RESERVED by the reserve-then-commit flow is released when its commit is refused.
    expect(undoOf('STOCK_RESERVED')).toEqual({ during: 'FAILING', done: 'FAILED' });
    expect(plan.compensationsFrom('STOCK_RESERVED')).toEqual(['RELEASE_STOCK']);
    const release = declaration.compensations?.find((c) => c.name === 'RELEASE_STOCK');
    expect(release?.fallback).toEqual({ code: 'RESERVATION_NOT_ACTIVE', then: 'RESTOCK' });
    // cancelSale restocks; inventory refusing it leaves the sale COMPLETED.
    expect(plan.compensationsFrom('COMPLETED')).toEqual(['RESTOCK']);
    expect(declaration.reversal).toMatchObject({ during: 'CANCELLING', done: 'CANCELLED', refused: 'restore' });
  });

  it('a sale never moves out of FAILED or CANCELLED, and COMPLETED only into a cancellation', () => {
    for (const to of SALE_STATUSES) {
      expect(canTransition('FAILED', to)).toBe(false);
      expect(canTransition('CANCELLED', to)).toBe(false);
      expect(canTransition('COMPLETED', to)).toBe(to === 'CANCELLING');
    }
  });

  it('labels the outcomes of moves that bring a sale to rest', () => {
    expect(outcomeLabel('STOCK_RESERVED', 'COMPLETED', null)).toBe('completed');
    expect(outcomeLabel('CANCELLING', 'COMPLETED', null)).toBe('cancel_refused');
    expect(outcomeLabel('PENDING', 'FAILED', 'INSUFFICIENT_STOCK')).toBe('insufficient_stock');
    expect(outcomeLabel('FAILING', 'FAILED', 'RESERVATION_NOT_ACTIVE')).toBe('failed');
    expect(outcomeLabel('CANCELLING', 'CANCELLED', null)).toBe('cancelled');
    expect(outcomeLabel('PENDING', 'COMPLETED', null)).toBe('completed');
    expect(outcomeLabel('PENDING', 'STOCK_RESERVED', null)).toBeNull();
  });

  it('a return is one step: an unknown outcome waits, a refusal undoes it', () => {
    const [restock] = RETURN_SAGA.declaration.steps;
    expect(restock?.name).toBe('RETURN_STOCK');
    expect(restock?.onFailure?.(failure(true), 1, noRun as never)).toBe('retry');
    expect(restock?.onFailure?.(failure(false), 1, noRun as never)).toBe('abort');
    expect(RETURN_SAGA.plan.next({ state: 'PENDING', compensateFrom: null, compensationsDone: [] })).toEqual({
      kind: 'forward',
      step: 'RETURN_STOCK',
      next: 'COMPLETED',
    });
  });
});

describe('retail input rules', () => {
  it('opening hours: HH:MM, opens before closes, each day once; sorted Monday first', () => {
    const ok = checkOpeningHours(
      [
        { day: 'SUNDAY', opens: '10:00', closes: '17:00' },
        { day: 'MONDAY', opens: '00:00', closes: '23:59' },
      ],
      ['input', 'openingHours'],
    );
    expect(ok).toEqual({
      errors: [],
      hours: [
        { day: 'MONDAY', opens: '00:00', closes: '23:59' },
        { day: 'SUNDAY', opens: '10:00', closes: '17:00' },
      ],
    });
    for (const [opens, closes] of [
      ['9:00', '17:00'],
      ['24:00', '23:00'],
      ['12:60', '13:00'],
      ['17:00', '17:00'],
      ['18:00', '09:00'],
      ['09:00 ', '17:00'],
    ]) {
      expect(checkOpeningHours([{ day: 'MONDAY', opens: opens!, closes: closes! }], ['h']).errors).not.toEqual([]);
    }
  });

  it('time zones are IANA names the runtime knows', () => {
    expect(checkTimeZone('America/Toronto', ['z'])).toBeNull();
    expect(checkTimeZone('Europe/Paris', ['z'])).toBeNull();
    for (const bad of ['', 'Mars/Olympus', 'x'.repeat(65), 'America/Toronto\u0000']) {
      expect(checkTimeZone(bad, ['z'])?.code).toBe('INVALID_TIME_ZONE');
    }
  });

  it('cash amounts: two decimals at most, within the bound', () => {
    expect(parseCash('200', ['a'], 10_000_000)).toEqual({ cents: 20_000, error: null });
    expect(parseCash('0.05', ['a'], 10_000_000)).toEqual({ cents: 5, error: null });
    for (const bad of ['-1', '1.234', 'abc', '100000.01', '1e3']) {
      expect(parseCash(bad, ['a'], 10_000_000).error?.code).toBe('INVALID_AMOUNT');
    }
  });

  it('"the same day" is the calendar date in the store\'s time zone', () => {
    // 03:30 UTC on March 2 is still March 1 in Toronto.
    expect(localDate(new Date('2026-03-02T03:30:00Z'), 'America/Toronto')).toBe('2026-03-01');
    expect(localDate(new Date('2026-03-02T05:30:00Z'), 'America/Toronto')).toBe('2026-03-02');
  });
});
