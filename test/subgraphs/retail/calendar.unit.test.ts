/**
 * Retail's calendar arithmetic (domain/validation.ts), which the demo history's days rest on: wall
 * clock times of a zone turned into instants across both offsets of the year and its switches, days
 * added without a zone, the weekday of a day. No I/O.
 */
import { addDays, localDate, weekdayOf, zonedInstant } from '../../../subgraphs/retail/domain/validation';

const TORONTO = 'America/Toronto';

describe('calendar days of a time zone', () => {
  it('a wall clock time in Toronto is the instant its offset of the day says (EST -5, EDT -4)', () => {
    expect(zonedInstant('2026-01-14', '19:38', TORONTO).toISOString()).toBe('2026-01-15T00:38:00.000Z');
    expect(zonedInstant('2026-07-14', '19:38', TORONTO).toISOString()).toBe('2026-07-14T23:38:00.000Z');
    expect(zonedInstant('2026-01-12', '09:00', TORONTO).toISOString()).toBe('2026-01-12T14:00:00.000Z');
    expect(zonedInstant('2026-03-01', '00:00', 'UTC').toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('on the days the offset changes, times after the switch take the new offset', () => {
    // 8 March 2026: 02:00 EST becomes 03:00 EDT. 1 November 2026: 02:00 EDT becomes 01:00 EST.
    expect(zonedInstant('2026-03-08', '01:30', TORONTO).toISOString()).toBe('2026-03-08T06:30:00.000Z');
    expect(zonedInstant('2026-03-08', '09:00', TORONTO).toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(zonedInstant('2026-11-01', '09:00', TORONTO).toISOString()).toBe('2026-11-01T14:00:00.000Z');
    for (const day of ['2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02']) {
      const at = zonedInstant(day, '20:50', TORONTO);
      expect([day, localDate(at, TORONTO)]).toEqual([day, day]);
    }
  });

  it('days are added as calendar days, months and years included', () => {
    expect(addDays('2026-01-14', -2)).toBe('2026-01-12');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-07', 28)).toBe('2026-04-04');
  });

  it('the weekday of a day, Monday to Sunday', () => {
    expect(['2026-01-12', '2026-01-13', '2026-01-17', '2026-01-18'].map(weekdayOf)).toEqual([
      'MONDAY',
      'TUESDAY',
      'SATURDAY',
      'SUNDAY',
    ]);
  });
});
