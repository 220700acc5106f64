import { legacyExecute, inTransaction, legacyQueryOne, toDate, userError, type UserError } from '../../kit/domain';
import type { ReturnStockInput } from '../generated/resolvers';
import { actorName, callerOf } from './access';
import { MAX_ID_LENGTH, MAX_NOTE_LENGTH, validId } from './limits';
import type { InventoryContext } from './context';
import { lineCountError, linesParameter, mergeLines, sameLines, type MergedLine } from './lines';
import {
  changesColumn,
  LEVEL_AFTER,
  MOVEMENT_RETURNING,
  recordInventoryEvents,
  stockChangedEvents,
  type MovementChange,
} from './events';
import { INSERT_MOVEMENT, type RawRow } from './rows';
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
  errors: UserError[];
  outcome: ReturnOutcome;
}

function validateReturn(input: ReturnStockInput): { errors: UserError[]; lines: MergedLine[] } {
  const errors: UserError[] = [];
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

/** Every column of stock_return (alias `sr`) with its lines as JSON, in product order (one statement). */
const RETURN_COLUMNS = `sr.return_id as "returnId", sr.location_id as "locationId", sr.reason, sr.actor,
  sr.created_at as "createdAt",
  (select json_agg(json_build_object('returnId', l.return_id, 'productId', l.product_id, 'quantity', l.quantity)
          order by l.product_id)
     from stock_return_line l where l.return_id = sr.return_id) as "lines"`;

type ReturnRow = RawRow<StockReturn> & { lines: StockReturnLine[] | null };

function returnFromRow(row: ReturnRow): StockReturnWithLines {
  return { ...row, createdAt: toDate(row.createdAt), lines: row.lines ?? [] };
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
  const known = await legacyQueryOne<{ existing: ReturnRow | null; locationExists: boolean; stocked: string[] | null }>(
    ctx.em,
    `select (select row_to_json(x) from (select ${RETURN_COLUMNS} from stock_return sr where sr.return_id = ?) x) as "existing",
            exists (select 1 from location where id = ?) as "locationExists",
            (select array_agg(distinct product_id) from stock_level where product_id = any(?::text[])) as "stocked"`,
    [returnId, locationId, productIds],
  );
  if (known?.existing) return replayResult(returnFromRow(known.existing), locationId, lines);
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
    const claimed = await legacyQueryOne<RawRow<StockReturn>>(
      tx,
      `insert into stock_return (return_id, location_id, reason, actor) values (?, ?, ?, ?)
       on conflict (return_id) do nothing
       returning return_id as "returnId", location_id as "locationId", reason, actor, created_at as "createdAt"`,
      [returnId, locationId, reason, actor],
    );
    if (!claimed) {
      const row = await legacyQueryOne<ReturnRow>(
        tx,
        `select ${RETURN_COLUMNS} from stock_return sr where sr.return_id = ?`,
        [returnId],
      );
      // The claim conflicted with a committed return of this id, which cannot have vanished since.
      if (!row) throw new Error(`return ${returnId}: claimed by another transaction that left nothing`);
      return { commit: true, result: replayResult(returnFromRow(row), locationId, lines) };
    }

    await legacyExecute(
      tx,
      `select 1 from stock_level where location_id = ? and product_id = any(?::text[])
        order by product_id for update`,
      [locationId, productIds],
    );
    // A product without a level here gets one (it was checked above); the units, the return's lines
    // and the movements are one statement, which also returns what the stock.changed events carry.
    const done = await legacyQueryOne<{ changed: number; changes: MovementChange[] }>(
      tx,
      `with req as (
         select * from jsonb_to_recordset(?::jsonb) as r(product_id text, quantity integer)
       ), up as (
         insert into stock_level as s (product_id, location_id, on_hand, reserved, reorder_point)
         select product_id, ?, quantity, 0, 0 from req order by product_id
         on conflict (product_id, location_id)
           do update set on_hand = s.on_hand + excluded.on_hand, updated_at = now()
         returning ${LEVEL_AFTER}
       ), lines as (
         insert into stock_return_line (return_id, product_id, quantity) select ?, product_id, quantity from req
       ), mv as (
         ${INSERT_MOVEMENT}
         select product_id, ?, quantity, 0, 'RETURN', ?, ?, ? from req order by product_id
         ${MOVEMENT_RETURNING}
       )
       select count(*)::int as "changed", ${changesColumn('mv', ['up'])} from up`,
      [linesParameter(lines), locationId, returnId, locationId, returnId, reason, actor],
    );
    if (done?.changed !== lines.length) {
      throw new Error(`return ${returnId}: ${done?.changed ?? 0} of ${lines.length} lines applied`);
    }
    await recordInventoryEvents(tx, ctx.requestId, stockChangedEvents(done.changes));
    const stockReturn: StockReturnWithLines = {
      ...claimed,
      createdAt: toDate(claimed.createdAt),
      lines: lines.map(({ productId, quantity }) => ({ returnId, productId, quantity })),
    };
    return { commit: true, result: { stockReturn, errors: [], outcome: 'returned' } };
  });
}
