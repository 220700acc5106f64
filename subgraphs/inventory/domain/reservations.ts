import type { EntityManager } from '@mikro-orm/postgresql';
import {
  legacyExecute,
  inTransaction,
  ONLINE_LOCATION_ID,
  legacyQueryOne,
  legacyQueryRows,
  toDate,
  userError,
  type DomainContext,
  type UserError,
} from '../../kit/domain';
import type { MovementReason, Reservation, ReservationLine } from './types';
import type {
  CommitReservationInput,
  ReleaseReservationInput,
  ReserveStockInput,
  RestockOrderInput,
} from '../generated/resolvers';
import { actorName, callerOf } from './access';
import { MAX_ID_LENGTH, MAX_NOTE_LENGTH, validId } from './limits';
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

/**
 * The checkout saga's stock steps. Raw SQL in explicit transactions, not the unit of work: each step
 * is a conditional change (claim an order id unless taken, hold units only if still free) whose
 * correctness rests on row locks and ON CONFLICT, with a constant number of statements whatever the
 * number of lines. Correct with any number of replicas on one database because all coordination is
 * in PostgreSQL:
 * - idempotency: reservation.order_id is unique and reserveStock inserts with ON CONFLICT DO NOTHING,
 *   so a duplicate (even one racing on another replica) waits for the first and then finds it;
 * - no oversell: the stock rows are locked in (location, product) order and the UPDATE is still
 *   conditional (on_hand - reserved >= quantity), all in one transaction with the reservation row;
 * - lock order everywhere is reservation row first, then stock rows by (location, product), so
 *   reserve, commit, release and the expiry sweeper cannot deadlock each other.
 */

export const DEFAULT_TTL_SECONDS = 900;
export const MAX_TTL_SECONDS = 86_400;
/** The audit-trail actor of expiries: the sweeper is a background job, not a caller. */
const SWEEPER_ACTOR = 'system:reservation-sweeper';

/** A reservation row with its line rows (read in the same statement). */
export interface ReservationWithLines extends Reservation {
  lines: ReservationLine[];
}

export type ReserveOutcome =
  'reserved' | 'duplicate' | 'invalid' | 'unknown_location' | 'insufficient_stock' | 'key_reused' | 'not_active';

export interface ReservationResult<O extends string> {
  reservation: ReservationWithLines | null;
  errors: UserError[];
  outcome: O;
}

/** The order id every saga step is keyed by. */
function orderIdError(orderId: string): UserError | null {
  return validId(orderId)
    ? null
    : userError('INVALID_INPUT', `orderId must be 1 to ${MAX_ID_LENGTH} characters`, ['input', 'orderId']);
}

/** Input rules shared by the compensations (release, restock): an order id and an optional reason. */
function validateOrderReason(input: ReleaseReservationInput | RestockOrderInput): UserError[] {
  const errors: UserError[] = [];
  const idError = orderIdError(input.orderId);
  if (idError) errors.push(idError);
  if (input.reason != null && input.reason.length > MAX_NOTE_LENGTH) {
    errors.push(
      userError('INVALID_INPUT', `reason must be at most ${MAX_NOTE_LENGTH} characters`, ['input', 'reason']),
    );
  }
  return errors;
}

function validateReserve(input: ReserveStockInput): { errors: UserError[]; lines: MergedLine[] } {
  const errors: UserError[] = [];
  const idError = orderIdError(input.orderId);
  if (idError) errors.push(idError);
  const countError = lineCountError(input.lines.length);
  if (countError) errors.push(countError);
  const ttl = input.ttlSeconds;
  if (ttl != null && (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS)) {
    errors.push(
      userError('INVALID_INPUT', `ttlSeconds must be between 1 and ${MAX_TTL_SECONDS}`, ['input', 'ttlSeconds']),
    );
  }
  const merged = mergeLines(input.lines);
  return { errors: [...errors, ...merged.errors], lines: merged.lines };
}

/** Every column of reservation, aliased to the Reservation interface (no table alias: RETURNING uses it too). */
const RESERVATION_COLUMNS = `id::text as "id", order_id as "orderId", location_id as "locationId", status,
  expires_at as "expiresAt", release_reason as "releaseReason", created_at as "createdAt", updated_at as "updatedAt"`;

/** Its lines as JSON rows of reservation_line, in product order (a correlated subquery: same statement). */
const LINES_COLUMN = `(select json_agg(json_build_object(
      'reservationId', rl.reservation_id, 'productId', rl.product_id, 'quantity', rl.quantity) order by rl.product_id)
     from reservation_line rl where rl.reservation_id = r.id) as "lines"`;

function reservationFromRow(row: RawRow<Reservation>, lines: ReservationLine[]): ReservationWithLines {
  return {
    ...row,
    expiresAt: toDate(row.expiresAt),
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
    lines,
  };
}

/** The reservation of an order with its lines; `lock` takes its row lock for the transaction. */
async function findReservation(em: EntityManager, orderId: string, lock = false): Promise<ReservationWithLines | null> {
  const row = await legacyQueryOne<RawRow<Reservation> & { lines: ReservationLine[] | null }>(
    em,
    `select ${RESERVATION_COLUMNS}, ${LINES_COLUMN} from reservation r where r.order_id = ?${lock ? ' for update of r' : ''}`,
    [orderId],
  );
  return row ? reservationFromRow(row, row.lines ?? []) : null;
}

/** The row a final `update reservation ... returning` gave, with the lines the caller already holds. */
function updated(row: RawRow<Reservation> | null, before: ReservationWithLines): ReservationWithLines {
  // The UPDATE ran on the row locked at the start of the transaction, so it cannot have vanished.
  if (!row) throw new Error(`reservation ${before.id} disappeared while locked`);
  return reservationFromRow(row, before.lines);
}

function notActive(reservation: Reservation): UserError {
  return userError(
    'RESERVATION_NOT_ACTIVE',
    `The reservation of order ${reservation.orderId} is ${reservation.status}`,
    ['input', 'orderId'],
  );
}

/** What a repeated reserveStock for an order returns: the first reservation, never a second one. */
function duplicateResult(
  existing: ReservationWithLines,
  locationId: string,
  lines: MergedLine[],
): ReservationResult<ReserveOutcome> {
  if (existing.status === 'RELEASED' || existing.status === 'EXPIRED' || existing.status === 'RESTOCKED') {
    return { reservation: existing, errors: [notActive(existing)], outcome: 'not_active' };
  }
  if (existing.locationId !== locationId || !sameLines(existing.lines, lines)) {
    return {
      reservation: null,
      errors: [
        userError(
          'IDEMPOTENCY_KEY_REUSED',
          `Order ${existing.orderId} already holds a different reservation; use a new order id for different lines`,
          ['input', 'orderId'],
        ),
      ],
      outcome: 'key_reused',
    };
  }
  return { reservation: existing, errors: [], outcome: 'duplicate' };
}

/** Holds stock for an order: every line or none, once per order id. */
export async function reserveStock(
  ctx: DomainContext,
  input: ReserveStockInput,
): Promise<ReservationResult<ReserveOutcome>> {
  const actor = actorName(callerOf(ctx));
  const { errors, lines } = validateReserve(input);
  if (errors.length) return { reservation: null, errors, outcome: 'invalid' };
  const locationId = input.locationId ?? ONLINE_LOCATION_ID;
  const ttl = input.ttlSeconds ?? DEFAULT_TTL_SECONDS;

  return inTransaction<ReservationResult<ReserveOutcome>>(ctx.em, async (tx) => {
    // Claims the order id. A concurrent claim of the same id waits here for the first transaction:
    // when that one commits this inserts nothing, when it rolls back this one proceeds.
    const claimed = await legacyQueryOne<RawRow<Reservation>>(
      tx,
      `insert into reservation (order_id, location_id, status, expires_at)
       select ?, l.id, 'PENDING', now() + make_interval(secs => ?) from location l where l.id = ?
       on conflict (order_id) do nothing
       returning ${RESERVATION_COLUMNS}`,
      [input.orderId, ttl, locationId],
    );
    if (!claimed) {
      const existing = await findReservation(tx, input.orderId);
      if (existing) return { commit: true, result: duplicateResult(existing, locationId, lines) };
      return {
        commit: false,
        result: {
          reservation: null,
          errors: [userError('UNKNOWN_LOCATION', `No location with id ${locationId}`, ['input', 'locationId'])],
          outcome: 'unknown_location',
        },
      };
    }

    const levels = await legacyQueryRows<{ productId: string; onHand: number; reserved: number }>(
      tx,
      `select product_id as "productId", on_hand as "onHand", reserved from stock_level
        where location_id = ? and product_id = any(?::text[])
        order by product_id
        for update`,
      [locationId, lines.map((l) => l.productId)],
    );
    const byProduct = new Map(levels.map((l) => [l.productId, l]));
    const short: UserError[] = [];
    for (const line of lines) {
      const level = byProduct.get(line.productId);
      const free = level ? level.onHand - level.reserved : 0;
      if (free < line.quantity) {
        short.push(
          userError(
            'INSUFFICIENT_STOCK',
            `Only ${Math.max(free, 0)} of ${line.productId} available at ${locationId}; ${line.quantity} requested`,
            ['input', 'lines', String(line.index)],
          ),
        );
      }
    }
    if (short.length) {
      short.sort((a, b) => Number(a.field?.[2]) - Number(b.field?.[2]));
      return { commit: false, result: { reservation: null, errors: short, outcome: 'insufficient_stock' } };
    }

    // The rows are locked, so every conditional update applies; the condition stays as a guard. The
    // lines travel as one JSON parameter so the statement's text does not grow with the order.
    const done = await legacyQueryOne<{ updated: number; changes: MovementChange[] }>(
      tx,
      `with req as (
         select * from jsonb_to_recordset(?::jsonb) as r(product_id text, quantity integer)
       ), upd as (
         update stock_level s
            set reserved = s.reserved + req.quantity, updated_at = now()
           from req
          where s.location_id = ? and s.product_id = req.product_id and s.on_hand - s.reserved >= req.quantity
         returning ${LEVEL_AFTER}, req.quantity
       ), lines as (
         insert into reservation_line (reservation_id, product_id, quantity)
         select ?::uuid, product_id, quantity from upd
       ), mv as (
         ${INSERT_MOVEMENT}
         select product_id, ?, 0, quantity, 'RESERVATION', ?, null, ? from upd order by product_id
         ${MOVEMENT_RETURNING}
       )
       select count(*)::int as "updated", ${changesColumn('mv', ['upd'])} from upd`,
      [linesParameter(lines), locationId, claimed.id, locationId, input.orderId, actor],
    );
    if (done?.updated !== lines.length) {
      // Unreachable while the rows are locked; refuse rather than hold a partial reservation.
      throw new Error(`reservation of ${input.orderId}: ${done?.updated ?? 0} of ${lines.length} lines applied`);
    }
    await recordInventoryEvents(tx, ctx.requestId, stockChangedEvents(done.changes));
    const reservationLines = lines.map(({ productId, quantity }) => ({
      reservationId: claimed.id,
      productId,
      quantity,
    }));
    return {
      commit: true,
      result: { reservation: reservationFromRow(claimed, reservationLines), errors: [], outcome: 'reserved' },
    };
  });
}

/**
 * Gives back the stock of PENDING reservations (already locked by the caller) and marks them
 * RELEASED or EXPIRED, with one audit row and one stock.changed event per line. Three statements
 * whatever the count (lock, change, events); returns the updated reservation rows.
 */
async function releaseLocked(
  tx: EntityManager,
  input: {
    reservationIds: string[];
    status: 'RELEASED' | 'EXPIRED';
    note: string | null;
    actor: string;
    correlationId: string;
  },
): Promise<RawRow<Reservation>[]> {
  const { reservationIds, status, note, actor } = input;
  if (reservationIds.length === 0) return [];
  await legacyExecute(
    tx,
    `select 1 from stock_level s
       join (select distinct r.location_id, rl.product_id
               from reservation r join reservation_line rl on rl.reservation_id = r.id
              where r.id = any(?::uuid[])) h on h.location_id = s.location_id and h.product_id = s.product_id
      order by s.location_id, s.product_id
      for update of s`,
    [reservationIds],
  );
  const done = await legacyQueryOne<{ reservations: RawRow<Reservation>[]; changes: MovementChange[] }>(
    tx,
    `with held as (
       select r.location_id, rl.product_id, sum(rl.quantity)::int as quantity
         from reservation r join reservation_line rl on rl.reservation_id = r.id
        where r.id = any(?::uuid[])
        group by r.location_id, rl.product_id
     ), upd as (
       update stock_level s
          set reserved = s.reserved - held.quantity, updated_at = now()
         from held
        where s.location_id = held.location_id and s.product_id = held.product_id
       returning ${LEVEL_AFTER}
     ), mv as (
       ${INSERT_MOVEMENT}
       select rl.product_id, r.location_id, 0, -rl.quantity, ?, r.order_id, ?, ?
         from reservation r join reservation_line rl on rl.reservation_id = r.id
        where r.id = any(?::uuid[])
        order by r.order_id, rl.product_id
       ${MOVEMENT_RETURNING}
     ), r as (
       update reservation set status = ?, release_reason = ?, updated_at = now() where id = any(?::uuid[])
       returning ${RESERVATION_COLUMNS}
     )
     select (select coalesce(json_agg(r), '[]'::json) from r) as "reservations", ${changesColumn('mv', ['upd'])}`,
    [
      reservationIds,
      status === 'EXPIRED' ? 'RESERVATION_EXPIRED' : 'RESERVATION_RELEASED',
      note,
      actor,
      reservationIds,
      status,
      note,
      reservationIds,
    ],
  );
  if (!done) throw new Error('release statement returned no row');
  // The same level may move once per reservation of a sweep: stockChangedEvents gives each its own state.
  await recordInventoryEvents(tx, input.correlationId, stockChangedEvents(done.changes));
  return done.reservations;
}

/** How commit and restock change a reservation's stock, line by line (SQL over `s` and `rl`). */
const SETTLEMENTS = {
  COMMITTED: {
    stock: 'on_hand = s.on_hand - rl.quantity, reserved = s.reserved - rl.quantity',
    onHandDelta: '-quantity',
    reservedDelta: '-quantity',
    reason: 'RESERVATION_COMMITTED',
  },
  RESTOCKED: {
    stock: 'on_hand = s.on_hand + rl.quantity',
    onHandDelta: 'quantity',
    reservedDelta: '0',
    reason: 'RETURN',
  },
} as const satisfies Record<string, { reason: MovementReason } & Record<string, string>>;

/**
 * Moves a locked reservation to COMMITTED or RESTOCKED: locks the stock rows it holds in the global
 * lock order (location, product), then ONE statement changes them line by line, writes a movement per
 * line (note = `note`) and updates the reservation row (release_reason = `note`; null when committing,
 * as it was on a PENDING reservation). Returns the updated reservation.
 */
async function settle(
  tx: EntityManager,
  reservation: ReservationWithLines,
  input: { status: keyof typeof SETTLEMENTS; note: string | null; actor: string; correlationId: string },
): Promise<ReservationWithLines> {
  const how = SETTLEMENTS[input.status];
  await legacyExecute(
    tx,
    `select 1 from stock_level s join reservation_line rl on rl.product_id = s.product_id
      where rl.reservation_id = ? and s.location_id = ?
      order by s.location_id, s.product_id
      for update of s`,
    [reservation.id, reservation.locationId],
  );
  const row = await legacyQueryOne<RawRow<Reservation> & { changes: MovementChange[] }>(
    tx,
    `with upd as (
       update stock_level s
          set ${how.stock}, updated_at = now()
         from reservation_line rl
        where rl.reservation_id = ? and s.location_id = ? and s.product_id = rl.product_id
       returning ${LEVEL_AFTER}, rl.quantity
     ), mv as (
       ${INSERT_MOVEMENT}
       select product_id, ?, ${how.onHandDelta}, ${how.reservedDelta}, ?, ?, ?, ? from upd order by product_id
       ${MOVEMENT_RETURNING}
     )
     update reservation set status = ?, release_reason = ?, updated_at = now() where id = ?
     returning ${RESERVATION_COLUMNS}, ${changesColumn('mv', ['upd'])}`,
    [
      reservation.id,
      reservation.locationId,
      reservation.locationId,
      how.reason,
      reservation.orderId,
      input.note,
      input.actor,
      input.status,
      input.note,
      reservation.id,
    ],
  );
  // The UPDATE ran on the row locked at the start of the transaction, so it cannot have vanished.
  if (!row) throw new Error(`reservation ${reservation.id} disappeared while locked`);
  const { changes, ...settled } = row;
  await recordInventoryEvents(tx, input.correlationId, stockChangedEvents(changes));
  return updated(settled, reservation);
}

function notFound(orderId: string): UserError {
  return userError('RESERVATION_NOT_FOUND', `No reservation for order ${orderId}`, ['input', 'orderId']);
}

export type CommitOutcome = 'committed' | 'already_committed' | 'not_found' | 'not_active' | 'invalid';

/** The order is confirmed: its reserved units leave the stock. Committing twice is a no-op. */
export async function commitReservation(
  ctx: DomainContext,
  input: CommitReservationInput,
): Promise<ReservationResult<CommitOutcome>> {
  const actor = actorName(callerOf(ctx));
  const { orderId } = input;
  const idError = orderIdError(orderId);
  if (idError) return { reservation: null, errors: [idError], outcome: 'invalid' };
  return inTransaction<ReservationResult<CommitOutcome>>(ctx.em, async (tx) => {
    const reservation = await findReservation(tx, orderId, true);
    if (!reservation) {
      return { commit: false, result: { reservation: null, errors: [notFound(orderId)], outcome: 'not_found' } };
    }
    if (reservation.status === 'COMMITTED')
      return { commit: true, result: { reservation, errors: [], outcome: 'already_committed' } };
    if (reservation.status !== 'PENDING') {
      return { commit: true, result: { reservation, errors: [notActive(reservation)], outcome: 'not_active' } };
    }
    const committed = await settle(tx, reservation, {
      status: 'COMMITTED',
      note: null,
      actor,
      correlationId: ctx.requestId,
    });
    return { commit: true, result: { reservation: committed, errors: [], outcome: 'committed' } };
  });
}

export type ReleaseOutcome = 'released' | 'already_released' | 'tombstone' | 'not_active' | 'invalid';

/**
 * Saga compensation: the order's held units become available again. Releasing twice is a no-op,
 * and releasing an order that was never reserved records a RELEASED reservation without lines so
 * that a reserveStock arriving late (e.g. a retried request) cannot hold stock for a dead order.
 */
export async function releaseReservation(
  ctx: DomainContext,
  input: ReleaseReservationInput,
): Promise<ReservationResult<ReleaseOutcome>> {
  const actor = actorName(callerOf(ctx));
  const errors = validateOrderReason(input);
  if (errors.length) return { reservation: null, errors, outcome: 'invalid' };
  const reason = input.reason ?? null;

  return inTransaction<ReservationResult<ReleaseOutcome>>(ctx.em, async (tx) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const reservation = await findReservation(tx, input.orderId, true);
      if (!reservation) {
        const tombstone = await legacyQueryOne<RawRow<Reservation>>(
          tx,
          `insert into reservation (order_id, location_id, status, expires_at, release_reason)
           values (?, null, 'RELEASED', now(), ?)
           on conflict (order_id) do nothing
           returning ${RESERVATION_COLUMNS}`,
          [input.orderId, reason],
        );
        // Lost a race with a reserveStock of this order: release that reservation instead.
        if (!tombstone) continue;
        return {
          commit: true,
          result: { reservation: reservationFromRow(tombstone, []), errors: [], outcome: 'tombstone' },
        };
      }
      if (reservation.status === 'RELEASED' || reservation.status === 'EXPIRED') {
        return { commit: true, result: { reservation, errors: [], outcome: 'already_released' } };
      }
      if (reservation.status === 'COMMITTED' || reservation.status === 'RESTOCKED') {
        return { commit: true, result: { reservation, errors: [notActive(reservation)], outcome: 'not_active' } };
      }
      const [row] = await releaseLocked(tx, {
        reservationIds: [reservation.id],
        status: 'RELEASED',
        note: reason,
        actor,
        correlationId: ctx.requestId,
      });
      return {
        commit: true,
        result: { reservation: updated(row ?? null, reservation), errors: [], outcome: 'released' },
      };
    }
    throw new Error(`release of ${input.orderId}: reservation row kept changing`);
  });
}

export type RestockOutcome = 'restocked' | 'already_restocked' | 'not_found' | 'not_committed' | 'invalid';

/**
 * Saga compensation after the pivot (ecommerce's cancelOrder): an order whose reservation was
 * COMMITTED is cancelled, so its units go back on hand at the reservation's location (movement
 * reason RETURN, reference = order id) and the reservation becomes RESTOCKED. Idempotent: restocking
 * again is a no-op. Same lock order as commit/release (reservation row, then stock rows by product).
 */
export async function restockOrder(
  ctx: DomainContext,
  input: RestockOrderInput,
): Promise<ReservationResult<RestockOutcome>> {
  const actor = actorName(callerOf(ctx));
  const errors = validateOrderReason(input);
  if (errors.length) return { reservation: null, errors, outcome: 'invalid' };
  const reason = input.reason ?? null;

  return inTransaction<ReservationResult<RestockOutcome>>(ctx.em, async (tx) => {
    const reservation = await findReservation(tx, input.orderId, true);
    if (!reservation) {
      return {
        commit: false,
        result: { reservation: null, errors: [notFound(input.orderId)], outcome: 'not_found' },
      };
    }
    if (reservation.status === 'RESTOCKED') {
      return { commit: true, result: { reservation, errors: [], outcome: 'already_restocked' } };
    }
    if (reservation.status !== 'COMMITTED') {
      return {
        commit: true,
        result: {
          reservation,
          errors: [
            userError(
              'RESERVATION_NOT_COMMITTED',
              `The reservation of order ${input.orderId} is ${reservation.status}; only a committed one can be restocked`,
              ['input', 'orderId'],
            ),
          ],
          outcome: 'not_committed',
        },
      };
    }
    const restocked = await settle(tx, reservation, {
      status: 'RESTOCKED',
      note: reason,
      actor,
      correlationId: ctx.requestId,
    });
    return { commit: true, result: { reservation: restocked, errors: [], outcome: 'restocked' } };
  });
}

/**
 * Releases PENDING reservations whose time is up, oldest first (the expiry sweeper's one step).
 * SKIP LOCKED lets every replica sweep at once: each takes reservations nobody else holds, and a
 * reservation being committed or released right now is left to that transaction. Returns how many
 * expired.
 */
export async function expireDueReservations(ctx: DomainContext, input: { batchSize: number }): Promise<number> {
  return inTransaction(ctx.em, async (tx) => {
    const due = await legacyQueryRows<{ id: string }>(
      tx,
      `select id::text as "id" from reservation
        where status = 'PENDING' and expires_at < now()
        order by expires_at
        limit ?
        for update skip locked`,
      [input.batchSize],
    );
    const ids = due.map((r) => r.id);
    await releaseLocked(tx, {
      reservationIds: ids,
      status: 'EXPIRED',
      note: null,
      actor: SWEEPER_ACTOR,
      correlationId: ctx.requestId,
    });
    return { commit: true, result: ids.length };
  });
}
