import { execute, inTransaction, queryOne, requireFound } from '../../kit/domain';
import type { ReturnStockInput } from '../generated/resolvers';
import { actorName, callerOf } from './access';
import { MAX_ID_LENGTH, MAX_NOTE_LENGTH, validId } from './limits';
import type { InventoryContext } from './context';
import { userError, type InventoryUserError } from './errors';
import { lineCountError, linesParameter, mergeLines, sameLines, type MergedLine } from './lines';
import { recordInventoryEvents, stockChangedEvents } from './events';
import {
  CLAIM_RETURN,
  LOCK_RETURN_LEVELS,
  PUT_BACK,
  RETURN_BY_ID,
  RETURN_CONTEXT,
  returnFromJson,
} from './sql/returns';
import type { StockReturn, StockReturnLine } from './types';

/**
 * Retail's returns (the retail contract's returnStock): units a customer brought back go on hand
 * again at the store's location, once per return id, with a RETURN movement per product (reference =
 * return id). Raw SQL in one transaction, like the saga steps: the return id is claimed with ON
 * CONFLICT DO NOTHING on its primary key, so a replay (even one racing on another replica) waits for
 * the first and then answers it; the levels are locked in product order (the global lock order) and
 * changed by one statement whatever the number of lines.
 *
 * Product ids follow ADR 0015: an id inventory already holds a stock level of (anywhere) was checked
 * when it came in and resolves forever; only an id new to inventory is asked of products, so a return
 * of goods the store sold costs no call to products and goes on while products is down.
 */

/** A stock return with its lines, in product order. */
export interface StockReturnWithLines extends StockReturn {
  lines: StockReturnLine[];
}

export type ReturnOutcome =
  'returned' | 'duplicate' | 'invalid' | 'unknown_location' | 'unknown_product' | 'key_reused';

export interface ReturnStockResult {
  stockReturn: StockReturnWithLines | null;
  errors: InventoryUserError[];
  outcome: ReturnOutcome;
}

function validateReturn(input: ReturnStockInput): { errors: InventoryUserError[]; lines: MergedLine[] } {
  const errors: InventoryUserError[] = [];
  for (const key of ['returnId', 'locationId'] as const) {
    if (!validId(input[key])) {
      errors.push(userError('INVALID_INPUT', `${key} must be 1 to ${MAX_ID_LENGTH} characters`, ['input', key]));
    }
  }
  const countError = lineCountError(input.lines.length);
  if (countError) errors.push(countError);
  if (input.reason != null && input.reason.length > MAX_NOTE_LENGTH) {
    errors.push(
      userError('INVALID_INPUT', `reason must be at most ${MAX_NOTE_LENGTH} characters`, ['input', 'reason']),
    );
  }
  const merged = mergeLines(input.lines);
  return { errors: [...errors, ...merged.errors], lines: merged.lines };
}

/** What a second returnStock with a used return id answers: the first return, or a refusal. */
function replayResult(existing: StockReturnWithLines, locationId: string, lines: MergedLine[]): ReturnStockResult {
  if (existing.locationId !== locationId || !sameLines(existing.lines, lines)) {
    return {
      stockReturn: null,
      errors: [
        userError(
          'IDEMPOTENCY_KEY_REUSED',
          `Return ${existing.returnId} already put other units back; use a new return id for different lines`,
          ['input', 'returnId'],
        ),
      ],
      outcome: 'key_reused',
    };
  }
  return { stockReturn: existing, errors: [], outcome: 'duplicate' };
}

/** Puts returned units back on hand at a location: every line or none, once per return id. */
export async function returnStock(ctx: InventoryContext, input: ReturnStockInput): Promise<ReturnStockResult> {
  const actor = actorName(callerOf(ctx));
  const { errors, lines } = validateReturn(input);
  if (errors.length) return { stockReturn: null, errors, outcome: 'invalid' };
  const { returnId, locationId } = input;
  const productIds = lines.map((l) => l.productId);

  // One statement: an earlier return with this id (the replay answers from it), the location, and
  // which of the products inventory already holds somewhere.
  const known = await queryOne(ctx.em, RETURN_CONTEXT, { returnId, locationId, productIds });
  if (known?.existing) return replayResult(returnFromJson(known.existing), locationId, lines);
  if (!known?.locationExists) {
    return {
      stockReturn: null,
      errors: [userError('UNKNOWN_LOCATION', `No location with id ${locationId}`, ['input', 'locationId'])],
      outcome: 'unknown_location',
    };
  }
  const stocked = new Set(known.stocked ?? []);
  const unchecked = lines.filter((l) => !stocked.has(l.productId));
  // Through the request's product loader: every id of this tick is one `_entities` request.
  const found = await Promise.all(unchecked.map((l) => ctx.products.load(l.productId)));
  const unknown = unchecked
    .filter((_, i) => !found[i])
    .sort((a, b) => a.index - b.index)
    .map((l) =>
      userError('UNKNOWN_PRODUCT', `No product with id ${l.productId}`, [
        'input',
        'lines',
        String(l.index),
        'productId',
      ]),
    );
  if (unknown.length) return { stockReturn: null, errors: unknown, outcome: 'unknown_product' };

  const reason = input.reason ?? null;
  return inTransaction<ReturnStockResult>(ctx.em, async (tx) => {
    // Claims the return id; a concurrent claim of the same id waits here for the first transaction.
    const claimed = await queryOne(tx, CLAIM_RETURN, { returnId, locationId, reason, actor });
    if (!claimed) {
      // The claim conflicted with a committed return of this id, which cannot have vanished since.
      const row = requireFound(
        await queryOne(tx, RETURN_BY_ID, { returnId }),
        () => new Error(`return ${returnId}: claimed by another transaction that left nothing`),
      );
      return { commit: true, result: replayResult(row, locationId, lines) };
    }

    await execute(tx, LOCK_RETURN_LEVELS, { locationId, productIds });
    const done = await queryOne(tx, PUT_BACK, { lines: linesParameter(lines), locationId, returnId, reason, actor });
    if (done?.changed !== lines.length) {
      throw new Error(`return ${returnId}: ${done?.changed ?? 0} of ${lines.length} lines applied`);
    }
    await recordInventoryEvents(tx, ctx.requestId, stockChangedEvents(done.changes));
    const stockReturn: StockReturnWithLines = {
      ...claimed,
      lines: lines.map(({ productId, quantity }) => ({ returnId, productId, quantity })),
    };
    return { commit: true, result: { stockReturn, errors: [], outcome: 'returned' } };
  });
}
