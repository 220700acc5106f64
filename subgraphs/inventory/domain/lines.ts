import { userError, type InventoryUserError } from './errors';
import { MAX_ID_LENGTH, MAX_QUANTITY, validId } from './limits';

/**
 * The rules every input that lists products and quantities follows (reserveStock, returnStock,
 * requestReplenishment): 1 to MAX_LINES lines, each a product id and a whole quantity, lines of the
 * same product added together, and the merged lines in product order, the global lock order of
 * stock rows.
 */

export const MAX_LINES = 100;

/** A product's quantity once the input's lines of that product are added together. */
export interface MergedLine {
  productId: string;
  quantity: number;
  /** Index of the product's first line in the input, for error paths. */
  index: number;
}

function byProduct(a: { productId: string }, b: { productId: string }): number {
  return a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0;
}

/** The "lines" error of an input whose list is empty or too long. */
export function lineCountError(count: number): InventoryUserError | null {
  return count === 0 || count > MAX_LINES
    ? userError('INVALID_INPUT', `lines must hold 1 to ${MAX_LINES} lines`, ['input', 'lines'])
    : null;
}

/**
 * Checks each line (product id, quantity from 1 to MAX_QUANTITY) and merges the valid ones by
 * product; a merged quantity over MAX_QUANTITY is an error on the product's first line.
 */
export function mergeLines(lines: readonly { productId: string; quantity: number }[]): {
  errors: InventoryUserError[];
  lines: MergedLine[];
} {
  const errors: InventoryUserError[] = [];
  const merged = new Map<string, MergedLine>();
  lines.forEach((line, index) => {
    if (!validId(line.productId)) {
      errors.push(
        userError('INVALID_INPUT', `productId must be 1 to ${MAX_ID_LENGTH} characters`, [
          'input',
          'lines',
          String(index),
          'productId',
        ]),
      );
      return;
    }
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      errors.push(
        userError('INVALID_QUANTITY', `quantity must be a whole number from 1 to ${MAX_QUANTITY}`, [
          'input',
          'lines',
          String(index),
          'quantity',
        ]),
      );
      return;
    }
    const existing = merged.get(line.productId);
    if (existing) existing.quantity += line.quantity;
    else merged.set(line.productId, { productId: line.productId, quantity: line.quantity, index });
  });
  const sorted = [...merged.values()].sort(byProduct);
  for (const line of sorted) {
    if (line.quantity > MAX_QUANTITY) {
      errors.push(
        userError('INVALID_QUANTITY', `at most ${MAX_QUANTITY} units of one product`, [
          'input',
          'lines',
          String(line.index),
          'quantity',
        ]),
      );
    }
  }
  return { errors, lines: sorted };
}

/** True when two line lists name the same products with the same quantities, in product order. */
export function sameLines(
  a: readonly { productId: string; quantity: number }[],
  b: readonly { productId: string; quantity: number }[],
): boolean {
  return (
    a.length === b.length &&
    a.every((line, i) => line.productId === b[i]?.productId && line.quantity === b[i]?.quantity)
  );
}

/** The lines as the one JSON parameter a bulk statement reads with jsonb_to_recordset. */
export function linesParameter(lines: readonly { productId: string; quantity: number }[]): string {
  return JSON.stringify(lines.map((l) => ({ product_id: l.productId, quantity: l.quantity })));
}
