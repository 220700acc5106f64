import { InvalidArgument } from '../../kit/domain';
import { userError, type ReportsUserError } from './errors';
import type { Period } from './types';

/** Reports bucket days in the chain's time zone (docs/events.md; ADR 0018). */
export const CHAIN_TIME_ZONE = 'America/Toronto';

/** A period covers at most this many days, both ends included (a leap year). */
export const MAX_PERIOD_DAYS = 366;

const DAY_RE = /^[1-9]\d{3}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: CHAIN_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The chain's calendar day (YYYY-MM-DD) of an instant: 2026-03-01T03:00Z is 2026-02-28 in Toronto. */
export function chainDay(instant: Date): string {
  const parts = Object.fromEntries(dayFormat.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** True for a real calendar day written YYYY-MM-DD. */
export function isDay(text: string): boolean {
  if (!DAY_RE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Days are plain calendar arithmetic (no zone): a day plus n days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included: 1 for a single day. */
export function daysIn(period: Period): number {
  return Math.round((Date.parse(`${period.to}T00:00:00Z`) - Date.parse(`${period.from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** Every day of a period in order. */
export function eachDay(period: Period): string[] {
  const n = daysIn(period);
  return Array.from({ length: n }, (_, i) => addDays(period.from, i));
}

/** Why a period is refused, or null: from after to, or longer than MAX_PERIOD_DAYS. */
function periodProblem(input: { from: string; to: string }): string | null {
  if (!isDay(input.from) || !isDay(input.to)) return 'Days are written YYYY-MM-DD';
  if (input.from > input.to) return `The period ends (${input.to}) before it starts (${input.from})`;
  const days = daysIn(input);
  if (days > MAX_PERIOD_DAYS) return `A period covers at most ${MAX_PERIOD_DAYS} days; this one has ${days}`;
  return null;
}

/** A query's period: BAD_USER_INPUT (argument `period`) when refused. */
export function checkPeriod(input: { from: string; to: string }, argument = 'period'): Period {
  const problem = periodProblem(input);
  if (problem) throw new InvalidArgument(problem, argument);
  return { from: input.from, to: input.to };
}

/** A mutation's period: the INVALID_PERIOD UserError when refused. */
export function periodOrError(
  input: { from: string; to: string },
  field: string[],
): { ok: true; value: Period } | { ok: false; error: ReportsUserError } {
  const problem = periodProblem(input);
  if (problem) return { ok: false, error: userError('INVALID_PERIOD', problem, field) };
  return { ok: true, value: { from: input.from, to: input.to } };
}
