import type { EntityManager } from '@mikro-orm/postgresql';
import { userError, type Identity, type UserError } from '../../kit';
import { actorName, assertMayAdjust } from './access';
import { locationsByIds } from './stock';
import { sql } from './sql';
import { levelFromRow, type LevelRow, type LevelView, type LocationView } from './views';

export const ADJUSTMENT_REASONS = ['ADJUSTMENT', 'RECEIPT', 'SALE', 'RETURN', 'DAMAGE'] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

export const MAX_QUANTITY = 1_000_000;
export const MAX_NOTE_LENGTH = 500;
export const MAX_ID_LENGTH = 100;

export interface AdjustStockInput {
  productId: string;
  locationId: string;
  delta: number;
  reason: AdjustmentReason;
  note: string | null;
}

export interface AdjustStockResult {
  level: LevelView | null;
  errors: UserError[];
  outcome: 'adjusted' | 'invalid' | 'unknown_location' | 'insufficient_stock';
}

export function validId(value: string): boolean {
  return value.trim().length > 0 && value.length <= MAX_ID_LENGTH;
}

export function validateAdjustment(input: AdjustStockInput): UserError[] {
  const errors: UserError[] = [];
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
  if (!ADJUSTMENT_REASONS.includes(input.reason)) {
    errors.push(
      userError('INVALID_INPUT', `reason must be one of ${ADJUSTMENT_REASONS.join(', ')}`, ['input', 'reason']),
    );
  }
  if (input.note !== null && input.note.length > MAX_NOTE_LENGTH) {
    errors.push(userError('INVALID_INPUT', `note must be at most ${MAX_NOTE_LENGTH} characters`, ['input', 'note']));
  }
  return errors;
}

const RETURNING = `product_id as "productId", location_id as "locationId", on_hand as "onHand", reserved,
                   reorder_point as "reorderPoint", updated_at as "updatedAt"`;

type AdjustedRow = Omit<LevelRow, 'locationName' | 'locationKind' | 'locationStoreId'>;

function withLocation(row: AdjustedRow, location: LocationView): LevelView {
  return levelFromRow({
    ...row,
    locationName: location.name,
    locationKind: location.kind,
    locationStoreId: location.storeId,
  });
}

/**
 * Adds delta to a level. Each write is ONE statement (a data-modifying CTE), so the level change and
 * its audit row commit or fail together without an explicit transaction: the conditional UPDATE
 * changes the row only when the result stays >= reserved (and so >= 0), and the movement row is
 * inserted from the UPDATE's RETURNING, i.e. only when a row changed. Concurrent adjustments and
 * reservations serialise on the row lock, and the condition is re-checked on the latest version.
 */
export async function adjustStock(
  em: EntityManager,
  identity: Identity,
  input: AdjustStockInput,
): Promise<AdjustStockResult> {
  const errors = validateAdjustment(input);
  if (errors.length) return { level: null, errors, outcome: 'invalid' };

  const [location] = await locationsByIds(em, [input.locationId]);
  if (!location) {
    return {
      level: null,
      errors: [userError('UNKNOWN_LOCATION', `No location with id ${input.locationId}`, ['input', 'locationId'])],
      outcome: 'unknown_location',
    };
  }
  assertMayAdjust(identity, location);

  const actor = actorName(identity);
  const { productId, locationId, delta, reason, note } = input;
  // Two attempts are enough: the INSERT branch only loses to a concurrent INSERT of the same pair,
  // after which the UPDATE branch finds the row.
  for (let attempt = 0; attempt < 3; attempt++) {
    const [updated] = await sql<AdjustedRow>(
      em,
      `with upd as (
         update stock_level
            set on_hand = on_hand + ?, updated_at = now()
          where product_id = ? and location_id = ? and on_hand + ? >= reserved
         returning ${RETURNING}
       ), mv as (
         insert into stock_movement (product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor)
         select "productId", "locationId", ?, 0, ?, null, ?, ? from upd
       )
       select * from upd`,
      [delta, productId, locationId, delta, delta, reason, note, actor],
    );
    if (updated) return { level: withLocation(updated, location), errors: [], outcome: 'adjusted' };
    if (delta < 0) break;

    // No row for this pair yet: the first receipt creates it.
    const [inserted] = await sql<AdjustedRow>(
      em,
      `with ins as (
         insert into stock_level (product_id, location_id, on_hand, reserved, reorder_point)
         values (?, ?, ?, 0, 0)
         on conflict (product_id, location_id) do nothing
         returning ${RETURNING}
       ), mv as (
         insert into stock_movement (product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor)
         select "productId", "locationId", ?, 0, ?, null, ?, ? from ins
       )
       select * from ins`,
      [productId, locationId, delta, delta, reason, note, actor],
    );
    if (inserted) return { level: withLocation(inserted, location), errors: [], outcome: 'adjusted' };
  }

  // Only reached when removing more than can be removed: report what is there (nothing was written).
  const [current] = await sql<{ onHand: number; reserved: number }>(
    em,
    'select on_hand as "onHand", reserved from stock_level where product_id = ? and location_id = ?',
    [productId, locationId],
  );
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
