/** The currency every demo price is in; money carries its currency so more can follow. */
export const DEFAULT_CURRENCY = 'CAD';

const DECIMAL_RE = /^-?\d{1,12}(\.\d{1,2})?$/;

/** Parses "12.5" / "12.50" / "12" into integer minor units; null when malformed. */
export function parseDecimalToMinor(text: string): number | null {
  const trimmed = text.trim();
  if (!DECIMAL_RE.test(trimmed)) return null;
  const negative = trimmed.startsWith('-');
  const [whole = '0', frac = ''] = trimmed.replace('-', '').split('.');
  const minor = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return negative ? -minor : minor;
}

/** Formats integer minor units as a two-decimal string: 1250 -> "12.50". */
export function formatMinor(minor: number): string {
  const negative = minor < 0;
  const abs = Math.abs(minor);
  const text = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

export interface Money {
  amount: string;
  currency: string;
}

export function money(minor: number, currency: string = DEFAULT_CURRENCY): Money {
  return { amount: formatMinor(minor), currency };
}

/** What a line of an order, a cart or a sale comes to, in minor units: its unit price times its quantity. */
export function lineTotalCents(line: { unitPriceCents: number; quantity: number }): number {
  return line.unitPriceCents * line.quantity;
}
