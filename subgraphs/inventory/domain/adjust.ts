import { inTransaction, queryOne } from '../../kit/domain';
import type { Location, StockLevel } from './types';
import type { AdjustmentReason, AdjustStockInput } from '../generated/resolvers';
import { actorName, assertMayAdjust, callerOf } from './access';
import type { InventoryContext } from './context';
import { userError, type InventoryUserError } from './errors';
import { recordInventoryEvents, stockChangedEvents } from './events';
import type { LevelWithLocation } from './levels';
import { MAX_ID_LENGTH, MAX_NOTE_LENGTH, MAX_QUANTITY, validId } from './limits';
import { ADJUST_LEVEL, CREATE_LEVEL, LEVEL_OF } from './sql/adjust';
import { locationsByIds } from './stock';

export const ADJUSTMENT_REASONS = [
  'ADJUSTMENT',
  'RECEIPT',
  'SALE',
  'RETURN',
  'DAMAGE',
] as const satisfies readonly AdjustmentReason[];

export type AdjustOutcome = 'adjusted' | 'invalid' | 'unknown_location' | 'unknown_product' | 'insufficient_stock';

export interface AdjustStockResult {
  level: LevelWithLocation | null;
  errors: InventoryUserError[];
  outcome: AdjustOutcome;
}

export function validateAdjustment(input: AdjustStockInput): InventoryUserError[] {
  const errors: InventoryUserError[] = [];
  if (!validId(input.productId)) {
    errors.push(
      userError('INVALID_INPUT', `productId must be 1 to ${MAX_ID_LENGTH} characters`, ['input', 'productId']),
    );
  }
  if (!Number.isInteger(input.delta) || input.delta === 0 || Math.abs(input.delta) > MAX_QUANTITY) {
    errors.push(
      userError(
        'INVALID_QUANTITY',
        `delta must be a non-zero whole number between -${MAX_QUANTITY} and ${MAX_QUANTITY}`,
        ['input', 'delta'],
      ),
    );
  }
  const reason = input.reason ?? 'ADJUSTMENT';
  if (!ADJUSTMENT_REASONS.includes(reason)) {
    errors.push(
      userError('INVALID_INPUT', `reason must be one of ${ADJUSTMENT_REASONS.join(', ')}`, ['input', 'reason']),
    );
  }
  if (input.note != null && input.note.length > MAX_NOTE_LENGTH) {
    errors.push(userError('INVALID_INPUT', `note must be at most ${MAX_NOTE_LENGTH} characters`, ['input', 'note']));
  }
  return errors;
}

function withLocation(row: StockLevel, location: Location): LevelWithLocation {
  return { ...row, location };
}

/**
 * Adds delta to a level, for a product the products subgraph knows (a withdrawn one included: its
 * stock can still be counted, written off or taken back) at a location of ours. Every check comes
 * before the first write, so a refused id writes nothing and the audit trail never holds a product
 * nobody can resolve (ADR 0015); when products cannot answer, its ServiceUnavailable
 * (SERVICE_UNAVAILABLE) leaves the same way, before anything is written.
 *
 * Raw SQL, not the unit of work: the change is conditional on the row's latest version, which a
 * read-modify-flush could not guarantee without a lock and more round trips. Each write is one
 * statement with its audit row (sql/adjust.ts): the conditional UPDATE changes the row only
 * when the result stays >= reserved (and so >= 0). Concurrent adjustments and reservations serialise
 * on the row lock, and the condition is re-checked on the latest version. The transaction is there
 * for the stock.changed event, written after the level (docs/events.md): both commit or neither.
 */
export async function adjustStock(ctx: InventoryContext, input: AdjustStockInput): Promise<AdjustStockResult> {
  const identity = callerOf(ctx);
  const errors = validateAdjustment(input);
  if (errors.length) return { level: null, errors, outcome: 'invalid' };

  const [location] = await locationsByIds(ctx, [input.locationId]);
  if (!location) {
    return {
      level: null,
      errors: [userError('UNKNOWN_LOCATION', `No location with id ${input.locationId}`, ['input', 'locationId'])],
      outcome: 'unknown_location',
    };
  }
  assertMayAdjust(identity, location);

  // Asked only of a caller allowed here, so a refused caller cannot make us call products.
  if (!(await ctx.products.load(input.productId))) {
    return {
      level: null,
      errors: [userError('UNKNOWN_PRODUCT', `No product with id ${input.productId}`, ['input', 'productId'])],
      outcome: 'unknown_product',
    };
  }

  const actor = actorName(identity);
  const { productId, locationId, delta } = input;
  const reason = input.reason ?? 'ADJUSTMENT';
  const note = input.note ?? null;
  const values = { productId, locationId, delta, reason, note, actor };
  const applied = await inTransaction<LevelWithLocation | null>(ctx.em, async (tx) => {
    // Two attempts are enough: the INSERT branch only loses to a concurrent INSERT of the same pair,
    // after which the UPDATE branch finds the row (each statement sees what committed before it).
    for (let attempt = 0; attempt < 3; attempt++) {
      const updated = await queryOne(tx, ADJUST_LEVEL, values);
      // No row for this pair yet: the first receipt creates it.
      const changed = updated ?? (delta < 0 ? null : await queryOne(tx, CREATE_LEVEL, values));
      if (changed) {
        const level = withLocation(changed, location);
        await recordInventoryEvents(
          tx,
          ctx.requestId,
          stockChangedEvents([
            {
              productId,
              locationId,
              storeId: location.storeId,
              reason,
              reference: null,
              onHandDelta: delta,
              reservedDelta: 0,
              onHand: level.onHand,
              reserved: level.reserved,
              reorderPoint: level.reorderPoint,
            },
          ]),
        );
        return { commit: true, result: level };
      }
      if (delta < 0) break;
    }
    return { commit: false, result: null };
  });
  if (applied) return { level: applied, errors: [], outcome: 'adjusted' };

  // Only reached when removing more than can be removed: report what is there (nothing was written).
  const current = await queryOne(ctx.em, LEVEL_OF, { productId, locationId });
  const onHand = current?.onHand ?? 0;
  const reserved = current?.reserved ?? 0;
  return {
    level: null,
    errors: [
      userError(
        'INSUFFICIENT_STOCK',
        `Cannot remove ${-delta} of ${productId} at ${locationId}: ${onHand} on hand, ${reserved} reserved for orders`,
        ['input', 'delta'],
      ),
    ],
    outcome: 'insufficient_stock',
  };
}
