/**
 * How the chain writes money, days and times: Canadian English, the chain's time zone
 * (America/Toronto, where reports count days: docs/events.md), the currency each amount carries.
 */

export const CHAIN_LOCALE = 'en-CA';
export const CHAIN_TIME_ZONE = 'America/Toronto';

export interface MoneyValue {
  amount: string | number;
  currency: string;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** "$1,234.50" for CAD in en-CA; another currency is written with its own code ("US$12.00"). */
export function formatMoney(money: MoneyValue | null | undefined): string {
  if (!money) return '–';
  let format = moneyFormats.get(money.currency);
  if (!format) {
    format = new Intl.NumberFormat(CHAIN_LOCALE, { style: 'currency', currency: money.currency });
    moneyFormats.set(money.currency, format);
  }
  return format.format(Number(money.amount));
}

const integer = new Intl.NumberFormat(CHAIN_LOCALE, { maximumFractionDigits: 0 });
export function formatCount(n: number): string {
  return integer.format(n);
}

const percent = new Intl.NumberFormat(CHAIN_LOCALE, { style: 'percent', maximumFractionDigits: 1 });
export function formatPercent(ratio: number): string {
  return percent.format(ratio);
}

const dateTime = new Intl.DateTimeFormat(CHAIN_LOCALE, {
  timeZone: CHAIN_TIME_ZONE,
  dateStyle: 'medium',
  timeStyle: 'short',
});
export function formatDateTime(at: string | null | undefined): string {
  return at ? dateTime.format(new Date(at)) : '–';
}

const shortDateTime = new Intl.DateTimeFormat(CHAIN_LOCALE, {
  timeZone: CHAIN_TIME_ZONE,
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
const yearOf = new Intl.DateTimeFormat(CHAIN_LOCALE, { timeZone: CHAIN_TIME_ZONE, year: 'numeric' });
/**
 * "Dec 6, 10:00 a.m.": the year only when it is not this one, so that a table of many columns still
 * fits a tablet.
 */
export function formatShortDateTime(at: string | null | undefined, now = new Date()): string {
  if (!at) return '–';
  const when = new Date(at);
  return yearOf.format(when) === yearOf.format(now) ? shortDateTime.format(when) : dateTime.format(when);
}

const time = new Intl.DateTimeFormat(CHAIN_LOCALE, { timeZone: CHAIN_TIME_ZONE, timeStyle: 'medium' });
export function formatTime(at: Date): string {
  return time.format(at);
}

const day = new Intl.DateTimeFormat(CHAIN_LOCALE, { timeZone: 'UTC', dateStyle: 'medium' });
/** A calendar day (YYYY-MM-DD) as people read it: "Dec 7, 2026". */
export function formatDay(date: string): string {
  return day.format(new Date(`${date}T00:00:00Z`));
}

const isoDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: CHAIN_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
/** Today in the chain's time zone, YYYY-MM-DD (en-CA writes dates that way). */
export function chainToday(now = new Date()): string {
  return isoDay.format(now);
}

/** The day `days` after (or before) a YYYY-MM-DD day. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** A decimal amount ("12.50") in minor units, exact (no floating point). */
export function toMinor(amount: string | number): number {
  const [whole = '0', fraction = ''] = String(amount).split('.');
  const negative = whole.startsWith('-');
  const cents = Math.abs(Number(whole)) * 100 + Number((fraction + '00').slice(0, 2));
  return negative ? -cents : cents;
}

/** Minor units as the API's Decimal ("12.50"). */
export function fromMinor(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
