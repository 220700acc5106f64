import { sql, type Projection } from '../../../kit/domain';
import type { MovementChange } from '../events';
import type { HeldReservation, ReservationWithLines } from '../reservations';
import type { LocationKind, MovementReason, Reservation, ReservationLine, StockLevel } from '../types';
import {
  changesColumn,
  INSERT_MOVEMENT,
  jsonRows,
  LEVEL,
  LEVEL_AFTER,
  MOVEMENT_RETURNING,
  RESERVATION,
  RESERVATION_LINE,
  rowWith,
} from './shared';

/**
 * The saga steps' statements (domain/reservations.ts): each step is a constant number of statements
 * whatever the number of lines, the lines travelling as one JSON parameter (`:lines`, lines.ts
 * linesParameter) so that a statement's text does not grow with the order.
 */

/** A reservation (alias `r`) with its lines as JSON rows of reservation_line, in product order. */
const WITH_LINES: Projection<ReservationWithLines> = {
  columns: `${RESERVATION.columns},
    ${jsonRows(`select ${RESERVATION_LINE.columns} from reservation_line rl where rl.reservation_id = r.id`, 'x."productId"')} as "lines"`,
  fromRow: (row) => {
    const reservation = RESERVATION.fromRow(row);
    // json_agg of reservation_line's projection: the rows are already ReservationLines (no dates).
    return { ...reservation, lines: (row.lines as ReservationLine[] | null) ?? [] };
  },
};

/** The reservation of an order with its lines (what a replayed reserveStock answers from). */
export const RESERVATION_OF_ORDER = sql<{ orderId: string }, ReservationWithLines>(
  `select ${WITH_LINES.columns} from reservation r where r.order_id = :orderId`,
  { row: WITH_LINES },
);

/**
 * The same, row-locked for the transaction (commit, release, restock take it first: the global lock
 * order is reservation row, then stock rows), with the kind of its location: the till's commit is a
 * SALE (reservations.ts commitReason).
 */
export const LOCK_RESERVATION_OF_ORDER = sql<{ orderId: string }, HeldReservation>(
  `select ${WITH_LINES.columns},
          (select l.kind from location l where l.id = r.location_id) as "locationKind"
     from reservation r where r.order_id = :orderId
      for update of r`,
  { row: rowWith<ReservationWithLines, { locationKind: LocationKind | null }>(WITH_LINES) },
);

/**
 * Claims an order id for a new PENDING reservation at an existing location. A concurrent claim of
 * the same id waits on the unique index for the first transaction: when that one commits this
 * inserts nothing (no row), when it rolls back this one proceeds. No row either when the location
 * does not exist.
 */
export const CLAIM_ORDER = sql<{ orderId: string; locationId: string; ttlSeconds: number }, Reservation>(
  `insert into reservation as r (order_id, location_id, status, expires_at)
   select :orderId, l.id, 'PENDING', now() + make_interval(secs => :ttlSeconds) from location l where l.id = :locationId
   on conflict (order_id) do nothing
   returning ${RESERVATION.columns}`,
  { row: RESERVATION },
);

/** The levels of a reservation's products at its location, locked in product order (the global lock order). */
export const LOCK_LEVELS = sql<{ locationId: string; productIds: readonly string[] }, StockLevel>(
  `select ${LEVEL.columns} from stock_level s
    where s.location_id = :locationId and s.product_id = any(:productIds::text[])
    order by s.product_id
      for update`,
  { row: LEVEL },
);

/**
 * Holds the lines (their levels locked by LOCK_LEVELS): reserved goes up where the units are still
 * free (the condition stays as the guard against overselling), the reservation's lines and a
 * RESERVATION movement per product are written from what changed.
 */
export const HOLD_LINES = sql<
  { lines: string; locationId: string; reservationId: string; orderId: string; actor: string },
  { updated: number; changes: MovementChange[] }
>(
  `with req as (
     select * from jsonb_to_recordset(:lines::jsonb) as x(product_id text, quantity integer)
   ), upd as (
     update stock_level s
        set reserved = s.reserved + req.quantity, updated_at = now()
       from req
      where s.location_id = :locationId and s.product_id = req.product_id and s.on_hand - s.reserved >= req.quantity
     returning ${LEVEL_AFTER}, req.quantity
   ), lines as (
     insert into reservation_line (reservation_id, product_id, quantity)
     select :reservationId::uuid, product_id, quantity from upd
   ), mv as (
     ${INSERT_MOVEMENT}
     select product_id, :locationId, 0, quantity, 'RESERVATION', :orderId, null, :actor from upd order by product_id
     ${MOVEMENT_RETURNING}
   )
   select count(*)::int as "updated", ${changesColumn('mv', ['upd'])} from upd`,
);

/** The stock rows PENDING reservations hold, locked in the global lock order (location, product). */
export const LOCK_HELD_LEVELS = sql<{ reservationIds: readonly string[] }>(
  `select 1 from stock_level s
     join (select distinct r.location_id, rl.product_id
             from reservation r join reservation_line rl on rl.reservation_id = r.id
            where r.id = any(:reservationIds::uuid[])) h on h.location_id = s.location_id and h.product_id = s.product_id
    order by s.location_id, s.product_id
      for update of s`,
);

/**
 * Gives back what PENDING reservations (locked) hold and ends them (`status` RELEASED or EXPIRED):
 * reserved goes down by the sum of their lines per level, a movement per line (`reason`
 * RESERVATION_RELEASED or RESERVATION_EXPIRED, reference = order id, note = `note`), and the
 * reservations, returned as JSON rows of the projection.
 */
export const RELEASE_RESERVATIONS = sql<
  {
    reservationIds: readonly string[];
    status: 'RELEASED' | 'EXPIRED';
    reason: MovementReason;
    note: string | null;
    actor: string;
  },
  { reservations: Record<string, unknown>[]; changes: MovementChange[] }
>(
  `with held as (
     select r.location_id, rl.product_id, sum(rl.quantity)::int as quantity
       from reservation r join reservation_line rl on rl.reservation_id = r.id
      where r.id = any(:reservationIds::uuid[])
      group by r.location_id, rl.product_id
   ), upd as (
     update stock_level s
        set reserved = s.reserved - held.quantity, updated_at = now()
       from held
      where s.location_id = held.location_id and s.product_id = held.product_id
     returning ${LEVEL_AFTER}
   ), mv as (
     ${INSERT_MOVEMENT}
     select rl.product_id, r.location_id, 0, -rl.quantity, :reason, r.order_id, :note, :actor
       from reservation r join reservation_line rl on rl.reservation_id = r.id
      where r.id = any(:reservationIds::uuid[])
      order by r.order_id, rl.product_id
     ${MOVEMENT_RETURNING}
   ), ended as (
     update reservation r set status = :status, release_reason = :note, updated_at = now()
      where r.id = any(:reservationIds::uuid[])
     returning ${RESERVATION.columns}
   )
   select (select coalesce(json_agg(ended), '[]'::json) from ended) as "reservations",
          ${changesColumn('mv', ['upd'])}`,
);

/** The stock rows of one reservation's lines at its location, locked in the global lock order. */
export const LOCK_RESERVATION_LEVELS = sql<{ reservationId: string; locationId: string }>(
  `select 1 from stock_level s join reservation_line rl on rl.product_id = s.product_id
    where rl.reservation_id = :reservationId and s.location_id = :locationId
    order by s.location_id, s.product_id
      for update of s`,
);

/**
 * ONE statement that settles a locked reservation line by line (its levels locked by
 * LOCK_RESERVATION_LEVELS): `stock` changes each level (SQL over `s` and `rl`), a movement per line
 * (deltas as given, `reason`, reference = order id, note = `note`), and the reservation row enters
 * `status` (release_reason = `note`).
 */
function settlement(how: { stock: string; onHandDelta: string; reservedDelta: string; status: string }) {
  return sql<
    {
      reservationId: string;
      locationId: string;
      orderId: string;
      reason: MovementReason;
      note: string | null;
      actor: string;
    },
    Reservation & { changes: MovementChange[] }
  >(
    `with upd as (
       update stock_level s
          set ${how.stock}, updated_at = now()
         from reservation_line rl
        where rl.reservation_id = :reservationId and s.location_id = :locationId and s.product_id = rl.product_id
       returning ${LEVEL_AFTER}, rl.quantity
     ), mv as (
       ${INSERT_MOVEMENT}
       select product_id, :locationId, ${how.onHandDelta}, ${how.reservedDelta}, :reason, :orderId, :note, :actor
         from upd order by product_id
       ${MOVEMENT_RETURNING}
     )
     update reservation r set status = '${how.status}', release_reason = :note, updated_at = now()
      where r.id = :reservationId
     returning ${RESERVATION.columns}, ${changesColumn('mv', ['upd'])}`,
    { row: rowWith<Reservation, { changes: MovementChange[] }>(RESERVATION) },
  );
}

/** The order is confirmed: its reserved units leave the stock (on hand and reserved go down). */
export const COMMIT_RESERVATION = settlement({
  stock: 'on_hand = s.on_hand - rl.quantity, reserved = s.reserved - rl.quantity',
  onHandDelta: '-quantity',
  reservedDelta: '-quantity',
  status: 'COMMITTED',
});

/** The committed order is cancelled: its units go back on hand. */
export const RESTOCK_RESERVATION = settlement({
  stock: 'on_hand = s.on_hand + rl.quantity',
  onHandDelta: 'quantity',
  reservedDelta: '0',
  status: 'RESTOCKED',
});

/**
 * A release of an order never reserved: a RELEASED reservation without lines (a tombstone), so a
 * late reserveStock of that order cannot hold stock. No row when a reservation of the order exists.
 */
export const RECORD_TOMBSTONE = sql<{ orderId: string; reason: string | null }, Reservation>(
  `insert into reservation as r (order_id, location_id, status, expires_at, release_reason)
   values (:orderId, null, 'RELEASED', now(), :reason)
   on conflict (order_id) do nothing
   returning ${RESERVATION.columns}`,
  { row: RESERVATION },
);

/**
 * PENDING reservations whose time is up, oldest first, locked: SKIP LOCKED leaves what another
 * replica's sweep or a commit/release holds right now to that transaction.
 */
export const LOCK_DUE_RESERVATIONS = sql<{ limit: number }, Reservation>(
  `select ${RESERVATION.columns} from reservation r
    where r.status = 'PENDING' and r.expires_at < now()
    order by r.expires_at
    limit :limit
      for update skip locked`,
  { row: RESERVATION },
);
