/**
 * The pure parts of retail: the sale saga's state machine (domain/sale-saga.ts) and the input rules
 * (domain/validation.ts). No I/O.
 */
import { canTransition, isSettled, nextAction, onStepFailure, outcomeLabel, OPEN_STATES } from './domain/sale-saga';
import { SALE_STATUSES } from './domain/types';
import { checkOpeningHours, checkTimeZone, localDate, parseCash } from './domain/validation';

describe('sale saga state machine', () => {
  it('every open state has a step, and each step leads to a move the table allows', () => {
    for (const status of SALE_STATUSES) {
      const action = nextAction(status);
      expect(action.kind === 'step').toBe(OPEN_STATES.includes(status));
      if (action.kind === 'step') expect(canTransition(status, action.next)).toBe(true);
      expect(isSettled(status)).toBe(action.kind === 'none');
    }
  });

  it('every decision on a failure is a move the table allows', () => {
    for (const status of OPEN_STATES) {
      const action = nextAction(status);
      if (action.kind !== 'step') continue;
      for (const transient of [true, false]) {
        for (const code of ['INSUFFICIENT_STOCK', 'RESERVATION_NOT_ACTIVE', 'OTHER']) {
          const decision = onStepFailure(action.step, { transient, code });
          if (decision.kind === 'settle' || decision.kind === 'compensate' || decision.kind === 'give-up') {
            expect([status, decision.to, canTransition(status, decision.to)]).toEqual([status, decision.to, true]);
          }
        }
      }
    }
  });

  it('an unknown outcome is never compensated: the sale waits where it is', () => {
    for (const step of ['RESERVE_STOCK', 'COMMIT_STOCK', 'RELEASE_STOCK', 'RESTOCK'] as const) {
      expect(onStepFailure(step, { transient: true, code: 'INVENTORY_UNAVAILABLE' })).toEqual({ kind: 'retry-later' });
    }
  });

  it('a refused reservation holds nothing (FAILED at once); a refused commit is released; a refused release restocks', () => {
    expect(onStepFailure('RESERVE_STOCK', { transient: false, code: 'INSUFFICIENT_STOCK' })).toEqual({
      kind: 'settle',
      to: 'FAILED',
    });
    expect(onStepFailure('COMMIT_STOCK', { transient: false, code: 'RESERVATION_NOT_ACTIVE' })).toEqual({
      kind: 'compensate',
      to: 'FAILING',
    });
    expect(onStepFailure('RELEASE_STOCK', { transient: false, code: 'RESERVATION_NOT_ACTIVE' })).toEqual({
      kind: 'fallback',
      step: 'RESTOCK',
    });
    expect(onStepFailure('RESTOCK', { transient: false, code: 'RESERVATION_NOT_COMMITTED' })).toEqual({
      kind: 'settle',
      to: 'COMPLETED',
    });
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
    expect(outcomeLabel('PENDING', 'STOCK_RESERVED', null)).toBeNull();
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
