import { checkText, parseDecimalToMinor, type UserError } from '../../kit/domain';
import { userError, type RetailErrorCode, type RetailUserError } from './errors';
import { WEEKDAYS, type OpeningHours, type Weekday } from './types';

/**
 * Retail's input rules (the kit's rules, kit/validation.ts, cover names, emails, phones and quantities);
 * each returns a UserError naming the input field at fault, or null. Limits are the SDL's.
 */

export const MAX_SALE_LINES = 100;
export const MAX_KEY_LENGTH = 100;
export const MAX_ID_LENGTH = 100;
export const MAX_REASON_LENGTH = 500;
export const MAX_NAME_LENGTH = 100;
export const MAX_ADDRESS_LENGTH = 200;
export const MAX_TIME_ZONE_LENGTH = 64;
export const DEFAULT_TIME_ZONE = 'America/Toronto';

/** An id the client sends (product, sale line): 1 to 100 characters, as stored. */
export function validId(id: string): boolean {
  return id.length >= 1 && id.length <= MAX_ID_LENGTH;
}

/** A register-chosen idempotency key, trimmed: 1 to 100 characters. */
export function checkIdempotencyKey(raw: string, field: string[]): { key: string; error: RetailUserError | null } {
  const key = raw.trim();
  if (key.length > 0 && key.length <= MAX_KEY_LENGTH) return { key, error: null };
  return {
    key,
    error: userError('INVALID_IDEMPOTENCY_KEY', `Idempotency key must be 1 to ${MAX_KEY_LENGTH} characters`, field),
  };
}

/** A reason or note kept as written: at most 500 characters (refused, never cut). */
export function checkReason<C extends RetailErrorCode>(
  value: string | null | undefined,
  field: string[],
  opts: { required: boolean; code: C; label: string },
): UserError<C> | null {
  return checkText(value, field, { ...opts, max: MAX_REASON_LENGTH });
}

/** A cash amount typed at the till ("200.00") in minor units, within [0, maxCents]. */
export function parseCash(
  amount: string,
  field: string[],
  maxCents: number,
): { cents: number; error: null } | { cents: null; error: RetailUserError } {
  const cents = parseDecimalToMinor(amount);
  if (cents === null || cents < 0 || cents > maxCents) {
    return {
      cents: null,
      error: userError(
        'INVALID_AMOUNT',
        `Amount must be from 0 to ${maxCents / 100} with at most two decimals, e.g. "200.00"`,
        field,
      ),
    };
  }
  return { cents, error: null };
}

/** An IANA time zone the runtime knows, e.g. "America/Toronto". */
export function checkTimeZone(zone: string, field: string[]): RetailUserError | null {
  const invalid = () =>
    userError('INVALID_TIME_ZONE', 'Time zone must be an IANA name such as "America/Toronto"', field);
  if (zone.length === 0 || zone.length > MAX_TIME_ZONE_LENGTH) return invalid();
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return null;
  } catch {
    return invalid();
  }
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Opening hours: each weekday at most once, "HH:MM" times with opens before closes; sorted Monday first. */
export function checkOpeningHours(
  input: readonly { day: Weekday; opens: string; closes: string }[],
  field: string[],
): { hours: OpeningHours[]; errors: RetailUserError[] } {
  const errors: RetailUserError[] = [];
  const seen = new Set<Weekday>();
  input.forEach((h, i) => {
    const at = [...field, String(i)];
    if (!WEEKDAYS.includes(h.day)) {
      errors.push(userError('INVALID_OPENING_HOURS', 'Day must be a weekday', [...at, 'day']));
      return;
    }
    if (seen.has(h.day)) {
      errors.push(userError('INVALID_OPENING_HOURS', `${h.day} is listed twice`, [...at, 'day']));
    }
    seen.add(h.day);
    const opens = TIME_RE.test(h.opens);
    const closes = TIME_RE.test(h.closes);
    if (!opens) errors.push(userError('INVALID_OPENING_HOURS', 'Opening time must be "HH:MM"', [...at, 'opens']));
    if (!closes) errors.push(userError('INVALID_OPENING_HOURS', 'Closing time must be "HH:MM"', [...at, 'closes']));
    // "HH:MM" strings of equal length compare like the times they stand for.
    if (opens && closes && h.opens >= h.closes) {
      errors.push(userError('INVALID_OPENING_HOURS', 'Closing time must be after opening time', [...at, 'closes']));
    }
  });
  const hours = input
    .map(({ day, opens, closes }) => ({ day, opens, closes }))
    .sort((a, b) => WEEKDAYS.indexOf(a.day) - WEEKDAYS.indexOf(b.day));
  return { hours, errors };
}

/** The calendar date ("2026-03-01") of an instant in a time zone: what "the same day" compares. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The calendar day `n` days after `day` ("2026-03-01"): plain calendar arithmetic, no zone. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The day of the week of a calendar day. */
export function weekdayOf(day: string): Weekday {
  // getUTCDay counts from Sunday; WEEKDAYS from Monday.
  return WEEKDAYS[(new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7] ?? 'MONDAY';
}

/** How far a zone's wall clock is ahead of UTC at an instant, in ms (-5 h in Toronto's winter). */
function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a zone's wall clock shows `time` ("HH:MM") on `day`: 2026-01-14 19:38 in Toronto is
 * 2026-01-15T00:38Z. The offset is looked up twice, so a day on which the zone changes its offset
 * settles on the offset in force at that time.
 */
export function zonedInstant(day: string, time: string, timeZone: string): Date {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  const wall = Date.parse(`${day}T00:00:00Z`) + (hours * 60 + minutes) * 60_000;
  let at = wall - zoneOffsetMs(wall, timeZone);
  at = wall - zoneOffsetMs(at, timeZone);
  return new Date(at);
}
