import { sql, type Projection } from '../../../kit/domain';
import type { MovementChange, StockChanged, StockChangedData } from '../events';
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

/** What TAKE_STOCK answers: what it wrote, or what a caller needs to say why it wrote nothing. */
export interface TakeRow {
  /** The order's new reservation, COMMITTED and taken; null when nothing was written. */
  claimed: Reservation | null;
  /** The order's reservation as the statement's snapshot saw it (then nothing was written); null when none. */
  prior: ReservationWithLines | null;
  /** The location's kind; null when no location has the id. */
  locationKind: LocationKind | null;
  /** The lines' levels at the location, as locked (the latest committed values); empty when nothing was locked. */
  levels: { productId: string; onHand: number; reserved: number }[];
}

const TAKE_ROW: Projection<TakeRow> = {
  columns: '',
  fromRow: (row) => ({
    // JSON objects of the projections: their instants as text until shaped.
    claimed: row.claimed ? RESERVATION.fromRow(row.claimed as Record<string, unknown>) : null,
    prior: row.prior ? WITH_LINES.fromRow(row.prior as Record<string, unknown>) : null,
    locationKind: (row.locationKind as LocationKind | null) ?? null,
    levels: row.levels as TakeRow['levels'],
  }),
};

/** The stock.changed envelope of a movement, as the kit's recordEvents writes it (domain/events.ts). */
const STOCK_CHANGED: Pick<StockChanged, 'type'> & { version: 1; aggregateType: StockChanged['aggregate']['type'] } = {
  type: 'stock.changed',
  version: 1,
  aggregateType: 'StockLevel',
};

/**
 * stock.changed's data (domain/events.ts StockChangedData) in SQL, from a movement `m`, its level
 * after the statement `u` (each level moves once in a take) and its location `loc`: every field of
 * the type is named here, none more, or this does not compile.
 */
const STOCK_CHANGED_DATA: Record<keyof StockChangedData, string> = {
  productId: 'm.product_id',
  locationId: 'm.location_id',
  storeId: 'loc.store_id',
  reason: 'm.reason',
  reference: 'm.reference',
  onHandDelta: 'm.on_hand_delta',
  reservedDelta: 'm.reserved_delta',
  onHand: 'u.on_hand',
  reserved: 'u.reserved',
  reorderPoint: 'u.reorder_point',
};

/**
 * takeStock in ONE statement, so in one implicit transaction (autocommit) and one round trip: the
 * order's units leave on hand at the location only if every line has them available, recorded as a
 * COMMITTED (taken) reservation with its lines, a movement per line and a stock.changed per movement.
 * Correct across replicas because all of it is decided by row locks and the unique order id:
 * - `held` locks the lines' levels in product order (the global lock order of stock rows) and reads
 *   them as they are once locked: FOR UPDATE waits for a concurrent change and then returns the row's
 *   latest committed version, so `enough` sees what every other take, reserve or adjustment left;
 * - `claim` inserts the order's reservation only when every line is free; a concurrent claim of the
 *   same order id waits on the unique index for the first and then inserts nothing;
 * - `upd` changes the levels only with a claim; it runs on the rows `held` locked, re-checked on their
 *   latest version, and its condition stays as the guard against overselling;
 * - a refusal (a short line, an unknown location, an order id already used) writes nothing at all;
 * - the outbox rows are written after the levels they report (`events` reads `upd`), so two takes of
 *   a level number their events in commit order (docs/events.md), like recordEvents' callers.
 * `guard` turns the impossible partial take (fewer levels changed than lines claimed) into an error,
 * which rolls the whole statement back: there is no transaction for the caller to roll back.
 */
export const TAKE_STOCK = sql<
  {
    orderId: string;
    locationId: string;
    lines: string;
    reasons: string;
    actor: string;
    correlationId: string | null;
  },
  TakeRow
>(
  `with req as (
     select * from jsonb_to_recordset(:lines::jsonb) as x(product_id text, quantity integer)
   ), loc as (
     select l.id, l.kind, l.store_id from location l where l.id = :locationId
   ), prior as materialized (
     -- the order's reservation, if its id was used before: then nothing below locks or writes
     select ${WITH_LINES.columns} from reservation r where r.order_id = :orderId
   ), held as materialized (
     -- by key: the planner takes req for 100 rows, and joined on product alone read the location's every level
     select s.product_id, s.on_hand, s.reserved from stock_level s
      where s.location_id = :locationId and s.product_id = any(array(select product_id from req))
        and not exists (select 1 from prior)
      order by s.product_id
        for update of s
   ), enough as (
     select count(*) = (select count(*) from req) as ok
       from req join held h on h.product_id = req.product_id
      where h.on_hand - h.reserved >= req.quantity
   ), claim as (
     insert into reservation as r (order_id, location_id, status, expires_at, taken)
     select :orderId, loc.id, 'COMMITTED', now(), true from loc
      where not exists (select 1 from prior) and (select ok from enough)
     on conflict (order_id) do nothing
     returning ${RESERVATION.columns}
   ), upd as (
     update stock_level s
        set on_hand = s.on_hand - req.quantity, updated_at = now()
       from req, claim
      where s.location_id = :locationId and s.product_id = any(array(select product_id from req))
        and s.product_id = req.product_id and s.on_hand - s.reserved >= req.quantity
     returning ${LEVEL_AFTER}, req.quantity
   ), lines as (
     insert into reservation_line (reservation_id, product_id, quantity)
     select claim.id, upd.product_id, upd.quantity from upd, claim
   ), mv as (
     ${INSERT_MOVEMENT}
     -- the commit's reason by the location's kind (reservations.ts commitReason)
     select upd.product_id, :locationId, -upd.quantity, 0, :reasons::jsonb ->> loc.kind, :orderId, null, :actor
       from upd, loc order by upd.product_id
     ${MOVEMENT_RETURNING}
   ), events as (
     insert into outbox (id, type, version, aggregate_type, aggregate_id, correlation_id, occurred_at, data)
     select gen_random_uuid(), '${STOCK_CHANGED.type}', ${STOCK_CHANGED.version}, '${STOCK_CHANGED.aggregateType}',
            m.product_id || '@' || m.location_id, :correlationId, now(),
            jsonb_build_object(${Object.entries(STOCK_CHANGED_DATA)
              .map(([field, value]) => `'${field}', ${value}`)
              .join(', ')})
       from mv m join upd u on u.product_id = m.product_id and u.location_id = m.location_id
       join loc on loc.id = m.location_id
      order by m.id
   )
   select (select row_to_json(c) from claim c) as "claimed",
          (select row_to_json(p) from prior p) as "prior",
          (select loc.kind from loc) as "locationKind",
          (select coalesce(json_agg(json_build_object('productId', h.product_id, 'onHand', h.on_hand, 'reserved', h.reserved)
                                    order by h.product_id), '[]'::json) from held h) as "levels",
          case when exists (select 1 from claim) and (select count(*) from upd) <> (select count(*) from req)
               then ('takeStock ' || :orderId::text || ': ' || (select count(*) from upd) || ' of '
                     || (select count(*) from req) || ' lines applied')::int
          end as "guard"`,
  { row: TAKE_ROW },
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
      where s.location_id = :locationId and s.product_id = any(array(select product_id from req))
        and s.product_id = req.product_id and s.on_hand - s.reserved >= req.quantity
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
