import type { EntityManager } from '@mikro-orm/postgresql';
import { ONLINE_LOCATION_ID, userError, type UserError } from '../../kit';
import type { ReservationStatus } from '../entities';
import { MAX_ID_LENGTH, MAX_NOTE_LENGTH, MAX_QUANTITY, validId } from './adjust';
import { inTransaction, sql, toDate } from './sql';
import type { ReservationLineView, ReservationView } from './views';

/**
 * The checkout saga's stock steps. Correct with any number of replicas on one database because all
 * coordination is in PostgreSQL:
 * - idempotency: reservation.order_id is unique and reserveStock inserts with ON CONFLICT DO NOTHING,
 *   so a duplicate (even one racing on another replica) waits for the first and then finds it;
 * - no oversell: the stock rows are locked in (location, product) order and the UPDATE is still
 *   conditional (on_hand - reserved >= quantity), all in one transaction with the reservation row;
 * - lock order everywhere is reservation row first, then stock rows by (location, product), so
 *   reserve, commit, release and the expiry sweeper cannot deadlock each other.
 */

export const DEFAULT_TTL_SECONDS = 900;
export const MAX_TTL_SECONDS = 86_400;
export const MAX_LINES = 100;

export interface ReserveStockInput {
  orderId: string;
  locationId: string | null;
  lines: { productId: string; quantity: number }[];
  ttlSeconds: number | null;
}

export type ReserveOutcome =
  'reserved' | 'duplicate' | 'invalid' | 'unknown_location' | 'insufficient_stock' | 'key_reused' | 'not_active';

export interface ReservationResult<O extends string> {
  reservation: ReservationView | null;
  errors: UserError[];
  outcome: O;
}

interface MergedLine extends ReservationLineView {
  /** Index of the product's first line in the input, for error paths. */
  index: number;
}

/** The order id every saga step is keyed by. */
function orderIdError(orderId: string): UserError | null {
  return validId(orderId)
    ? null
    : userError('INVALID_INPUT', `orderId must be 1 to ${MAX_ID_LENGTH} characters`, ['input', 'orderId']);
}

/** Input rules shared by the compensations (release, restock): an order id and an optional reason. */
export function validateOrderReason(input: { orderId: string; reason: string | null }): UserError[] {
  const errors: UserError[] = [];
  const idError = orderIdError(input.orderId);
  if (idError) errors.push(idError);
  if (input.reason !== null && input.reason.length > MAX_NOTE_LENGTH) {
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
  if (input.lines.length === 0 || input.lines.length > MAX_LINES) {
    errors.push(userError('INVALID_INPUT', `lines must hold 1 to ${MAX_LINES} lines`, ['input', 'lines']));
  }
  if (
    input.ttlSeconds !== null &&
    (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > MAX_TTL_SECONDS)
  ) {
    errors.push(
      userError('INVALID_INPUT', `ttlSeconds must be between 1 and ${MAX_TTL_SECONDS}`, ['input', 'ttlSeconds']),
    );
  }
  const merged = new Map<string, MergedLine>();
  input.lines.forEach((line, index) => {
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
  const lines = [...merged.values()].sort((a, b) =>
    a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0,
  );
  for (const line of lines) {
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
  return { errors, lines };
}

interface ReservationRow {
  id: string;
  orderId: string;
  locationId: string | null;
  status: ReservationStatus;
  expiresAt: Date | string;
  createdAt: Date | string;
  lines: ReservationLineView[] | null;
}

const RESERVATION_COLUMNS = `r.id::text as "id", r.order_id as "orderId", r.location_id as "locationId", r.status as "status",
  r.expires_at as "expiresAt", r.created_at as "createdAt",
  (select json_agg(json_build_object('productId', rl.product_id, 'quantity', rl.quantity) order by rl.product_id)
     from reservation_line rl where rl.reservation_id = r.id) as "lines"`;

function reservationFromRow(row: ReservationRow): ReservationView {
  return {
    id: row.id,
    orderId: row.orderId,
    locationId: row.locationId,
    status: row.status,
    expiresAt: toDate(row.expiresAt),
    createdAt: toDate(row.createdAt),
    lines: row.lines ?? [],
  };
}

/** The reservation of an order with its lines; `lock` takes its row lock for the transaction. */
export async function findReservation(
  em: EntityManager,
  orderId: string,
  lock = false,
): Promise<ReservationView | null> {
  const [row] = await sql<ReservationRow>(
    em,
    `select ${RESERVATION_COLUMNS} from reservation r where r.order_id = ?${lock ? ' for update of r' : ''}`,
    [orderId],
  );
  return row ? reservationFromRow(row) : null;
}

function notActive(reservation: ReservationView): UserError {
  return userError(
    'RESERVATION_NOT_ACTIVE',
    `The reservation of order ${reservation.orderId} is ${reservation.status}`,
    ['input', 'orderId'],
  );
}

function sameLines(a: ReservationLineView[], b: ReservationLineView[]): boolean {
  return (
    a.length === b.length &&
    a.every((line, i) => line.productId === b[i]?.productId && line.quantity === b[i]?.quantity)
  );
}

/** What a repeated reserveStock for an order returns: the first reservation, never a second one. */
function duplicateResult(
  existing: ReservationView,
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
  em: EntityManager,
  actor: string,
  input: ReserveStockInput,
): Promise<ReservationResult<ReserveOutcome>> {
  const { errors, lines } = validateReserve(input);
  if (errors.length) return { reservation: null, errors, outcome: 'invalid' };
  const locationId = input.locationId ?? ONLINE_LOCATION_ID;
  const ttl = input.ttlSeconds ?? DEFAULT_TTL_SECONDS;

  return inTransaction<ReservationResult<ReserveOutcome>>(em, async (tx) => {
    // Claims the order id. A concurrent claim of the same id waits here for the first transaction:
    // when that one commits this inserts nothing, when it rolls back this one proceeds.
    const [claimed] = await sql<{ id: string; createdAt: Date | string; expiresAt: Date | string }>(
      tx,
      `insert into reservation (order_id, location_id, status, expires_at)
       select ?, l.id, 'PENDING', now() + make_interval(secs => ?) from location l where l.id = ?
       on conflict (order_id) do nothing
       returning id::text as "id", created_at as "createdAt", expires_at as "expiresAt"`,
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

    const levels = await sql<{ productId: string; onHand: number; reserved: number }>(
      tx,
      `select product_id as "productId", on_hand as "onHand", reserved from stock_level
        where location_id = ? and product_id in (?)
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

    // The rows are locked, so every conditional update applies; the condition stays as a guard.
    const [done] = await sql<{ updated: number }>(
      tx,
      `with req as (
         select * from jsonb_to_recordset(?::jsonb) as r(product_id text, quantity integer)
       ), upd as (
         update stock_level s
            set reserved = s.reserved + req.quantity, updated_at = now()
           from req
          where s.location_id = ? and s.product_id = req.product_id and s.on_hand - s.reserved >= req.quantity
         returning s.product_id, req.quantity
       ), lines as (
         insert into reservation_line (reservation_id, product_id, quantity)
         select ?::uuid, product_id, quantity from upd
       ), mv as (
         insert into stock_movement (product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor)
         select product_id, ?, 0, quantity, 'RESERVATION', ?, null, ? from upd
       )
       select count(*)::int as "updated" from upd`,
      [
        JSON.stringify(lines.map((l) => ({ product_id: l.productId, quantity: l.quantity }))),
        locationId,
        claimed.id,
        locationId,
        input.orderId,
        actor,
      ],
    );
    if (done?.updated !== lines.length) {
      // Unreachable while the rows are locked; refuse rather than hold a partial reservation.
      throw new Error(`reservation of ${input.orderId}: ${done?.updated ?? 0} of ${lines.length} lines applied`);
    }
    return {
      commit: true,
      result: {
        reservation: {
          id: claimed.id,
          orderId: input.orderId,
          locationId,
          status: 'PENDING',
          expiresAt: toDate(claimed.expiresAt),
          createdAt: toDate(claimed.createdAt),
          lines: lines.map(({ productId, quantity }) => ({ productId, quantity })),
        },
        errors: [],
        outcome: 'reserved',
      },
    };
  });
}

/**
 * Gives back the stock of PENDING reservations (already locked by the caller) and marks them
 * RELEASED or EXPIRED, with one audit row per line. Three statements whatever the count.
 */
export async function releaseLocked(
  tx: EntityManager,
  reservationIds: string[],
  status: 'RELEASED' | 'EXPIRED',
  note: string | null,
  actor: string,
): Promise<void> {
  if (reservationIds.length === 0) return;
  await sql(
    tx,
    `select 1 from stock_level s
       join (select distinct r.location_id, rl.product_id
               from reservation r join reservation_line rl on rl.reservation_id = r.id
              where r.id in (?)) h on h.location_id = s.location_id and h.product_id = s.product_id
      order by s.location_id, s.product_id
      for update of s`,
    [reservationIds],
  );
  await sql(
    tx,
    `with held as (
       select r.location_id, rl.product_id, sum(rl.quantity)::int as quantity
         from reservation r join reservation_line rl on rl.reservation_id = r.id
        where r.id in (?)
        group by r.location_id, rl.product_id
     ), upd as (
       update stock_level s
          set reserved = s.reserved - held.quantity, updated_at = now()
         from held
        where s.location_id = held.location_id and s.product_id = held.product_id
       returning 1
     ), mv as (
       insert into stock_movement (product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor)
       select rl.product_id, r.location_id, 0, -rl.quantity, ?, r.order_id, ?, ?
         from reservation r join reservation_line rl on rl.reservation_id = r.id
        where r.id in (?)
     )
     update reservation set status = ?, release_reason = ?, updated_at = now() where id in (?)`,
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
}

export type CommitOutcome = 'committed' | 'already_committed' | 'not_found' | 'not_active' | 'invalid';

/** The order is confirmed: its reserved units leave the stock. Committing twice is a no-op. */
export async function commitReservation(
  em: EntityManager,
  actor: string,
  orderId: string,
): Promise<ReservationResult<CommitOutcome>> {
  const idError = orderIdError(orderId);
  if (idError) return { reservation: null, errors: [idError], outcome: 'invalid' };
  return inTransaction<ReservationResult<CommitOutcome>>(em, async (tx) => {
    const reservation = await findReservation(tx, orderId, true);
    if (!reservation) {
      return {
        commit: false,
        result: {
          reservation: null,
          errors: [userError('RESERVATION_NOT_FOUND', `No reservation for order ${orderId}`, ['input', 'orderId'])],
          outcome: 'not_found',
        },
      };
    }
    if (reservation.status === 'COMMITTED')
      return { commit: true, result: { reservation, errors: [], outcome: 'already_committed' } };
    if (reservation.status !== 'PENDING') {
      return { commit: true, result: { reservation, errors: [notActive(reservation)], outcome: 'not_active' } };
    }
    await sql(
      tx,
      `select 1 from stock_level s join reservation_line rl on rl.product_id = s.product_id
        where rl.reservation_id = ? and s.location_id = ?
        order by s.location_id, s.product_id
        for update of s`,
      [reservation.id, reservation.locationId],
    );
    await sql(
      tx,
      `with upd as (
         update stock_level s
            set on_hand = s.on_hand - rl.quantity, reserved = s.reserved - rl.quantity, updated_at = now()
           from reservation_line rl
          where rl.reservation_id = ? and s.location_id = ? and s.product_id = rl.product_id
         returning s.product_id, rl.quantity
       ), mv as (
         insert into stock_movement (product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor)
         select product_id, ?, -quantity, -quantity, 'RESERVATION_COMMITTED', ?, null, ? from upd
       )
       update reservation set status = 'COMMITTED', updated_at = now() where id = ?`,
      [reservation.id, reservation.locationId, reservation.locationId, orderId, actor, reservation.id],
    );
    return {
      commit: true,
      result: { reservation: { ...reservation, status: 'COMMITTED' }, errors: [], outcome: 'committed' },
    };
  });
}

export type ReleaseOutcome = 'released' | 'already_released' | 'tombstone' | 'not_active' | 'invalid';

/**
 * Saga compensation: the order's held units become available again. Releasing twice is a no-op,
 * and releasing an order that was never reserved records a RELEASED reservation without lines so
 * that a reserveStock arriving late (e.g. a retried request) cannot hold stock for a dead order.
 */
export async function releaseReservation(
  em: EntityManager,
  actor: string,
  input: { orderId: string; reason: string | null },
): Promise<ReservationResult<ReleaseOutcome>> {
  const errors = validateOrderReason(input);
  if (errors.length) return { reservation: null, errors, outcome: 'invalid' };

  return inTransaction<ReservationResult<ReleaseOutcome>>(em, async (tx) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const reservation = await findReservation(tx, input.orderId, true);
      if (!reservation) {
        const [tombstone] = await sql<{ id: string }>(
          tx,
          `insert into reservation (order_id, location_id, status, expires_at, release_reason)
           values (?, null, 'RELEASED', now(), ?)
           on conflict (order_id) do nothing
           returning id::text as "id"`,
          [input.orderId, input.reason],
        );
        // Lost a race with a reserveStock of this order: release that reservation instead.
        if (!tombstone) continue;
        const recorded = await findReservation(tx, input.orderId);
        return { commit: true, result: { reservation: recorded, errors: [], outcome: 'tombstone' } };
      }
      if (reservation.status === 'RELEASED' || reservation.status === 'EXPIRED') {
        return { commit: true, result: { reservation, errors: [], outcome: 'already_released' } };
      }
      if (reservation.status === 'COMMITTED' || reservation.status === 'RESTOCKED') {
        return { commit: true, result: { reservation, errors: [notActive(reservation)], outcome: 'not_active' } };
      }
      await releaseLocked(tx, [reservation.id], 'RELEASED', input.reason, actor);
      return {
        commit: true,
        result: { reservation: { ...reservation, status: 'RELEASED' }, errors: [], outcome: 'released' },
      };
    }
    throw new Error(`release of ${input.orderId}: reservation row kept changing`);
  });
}

/**
 * Releases PENDING reservations whose time is up, oldest first. SKIP LOCKED lets every replica
 * sweep at once: each takes reservations nobody else holds, and a reservation being committed or
 * released right now is left to that transaction. Returns how many expired.
 */
export async function expireDueReservations(em: EntityManager, batchSize: number): Promise<number> {
  return inTransaction(em, async (tx) => {
    const due = await sql<{ id: string }>(
      tx,
      `select id::text as "id" from reservation
        where status = 'PENDING' and expires_at < now()
        order by expires_at
        limit ?
        for update skip locked`,
      [batchSize],
    );
    const ids = due.map((r) => r.id);
    await releaseLocked(tx, ids, 'EXPIRED', null, 'system:reservation-sweeper');
    return { commit: true, result: ids.length };
  });
}
