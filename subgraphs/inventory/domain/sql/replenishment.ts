import { sql, type Projection } from '../../../kit/domain';
import type { MovementChange } from '../events';
import type { Location, ReplenishmentEvent, ReplenishmentLine, ReplenishmentRequest, StockLevel } from '../types';
import {
  changesColumn,
  INSERT_MOVEMENT,
  jsonRows,
  LEVEL,
  LEVEL_AFTER,
  LOCATION,
  MOVEMENT_RETURNING,
  REQUEST,
  REQUEST_EVENT,
  REQUEST_LINE,
  rowWith,
} from './shared';

/**
 * Replenishment's statements (domain/replenishment.ts, ADR 0017): each change costs a constant
 * number of statements whatever the number of lines, the lines travelling as one JSON parameter
 * (`:lines`, lines.ts linesParameter). Request ids are uuids: the domain sends only ids that look like
 * one, so `::uuid` never fails on a client's text.
 */

/** The stock location of a store (where its requests deliver). */
export const STORE_LOCATION = sql<{ storeId: string }, Location>(
  `select ${LOCATION.columns} from location l where l.store_id = :storeId`,
  { row: LOCATION },
);

/**
 * A new PENDING request with its lines and its first history entry, in one statement; its number
 * (seq, the lists' keyset) from replenishment_request_seq.
 */
export const INSERT_REQUEST = sql<
  {
    storeId: string;
    sourceId: string;
    destinationId: string;
    note: string | null;
    actor: string;
    lines: string;
  },
  ReplenishmentRequest
>(
  `with r as (
     insert into replenishment_request as r
       (seq, store_id, source_location_id, destination_location_id, status, note, requested_by)
     values (nextval('replenishment_request_seq'), :storeId, :sourceId, :destinationId, 'PENDING', :note, :actor)
     returning ${REQUEST.columns}
   ), lines as (
     insert into replenishment_line (request_id, product_id, quantity)
     select r."id", x.product_id, x.quantity
       from r, jsonb_to_recordset(:lines::jsonb) as x(product_id text, quantity integer)
   ), ev as (
     insert into replenishment_event (request_id, status, actor, note) select r."id", 'PENDING', :actor, :note from r
   )
   select * from r`,
  { row: REQUEST },
);

/** A request (alias `r`) with its lines as JSON rows of replenishment_line, in product order. */
const WITH_LINES: Projection<ReplenishmentRequest & { lines: ReplenishmentLine[] }> = {
  columns: `${REQUEST.columns},
    ${jsonRows(`select ${REQUEST_LINE.columns} from replenishment_line rln where rln.request_id = r.id`, 'x."productId"')} as "lines"`,
  fromRow: (row) => {
    const request = REQUEST.fromRow(row);
    // json_agg of replenishment_line's projection: the rows are already ReplenishmentLines (no dates).
    return { ...request, lines: (row.lines as ReplenishmentLine[] | null) ?? [] };
  },
};

/**
 * A request with its lines, its row locked: two approvals of one request serialise here, and a
 * rejection's conditional UPDATE waits for it.
 */
export const LOCK_REQUEST = sql<{ requestId: string }, ReplenishmentRequest & { lines: ReplenishmentLine[] }>(
  `select ${WITH_LINES.columns} from replenishment_request r where r.id = :requestId::uuid
      for update of r`,
  { row: WITH_LINES },
);

/** The levels of the moving products at the warehouse and the store, locked in the global lock order (location, product). */
export const LOCK_TRANSFER_LEVELS = sql<{ locationIds: readonly string[]; productIds: readonly string[] }, StockLevel>(
  `select ${LEVEL.columns} from stock_level s
    where s.location_id = any(:locationIds::text[]) and s.product_id = any(:productIds::text[])
    order by s.location_id, s.product_id
      for update`,
  { row: LEVEL },
);

// ---------- the approval, in parts ----------
//
// The approval is ONE statement of data-modifying CTEs, each part below one CTE. It stays one: the
// parts feed each other through RETURNING (the units that left the warehouse are the ones that
// arrive, that are written to the audit trail and reported as changes), which only a single
// statement can see, and as separate statements each part would be a round trip more while the
// warehouse's and the store's stock rows are locked. Its values: `:lines` (what is approved of each
// line, 0 for a product not sent), `:sourceId` (the warehouse), `:destinationId` (the store's
// location), `:requestId`, `:actor` (head office's employee), `:note`.

/** What is approved of each line of the request (0: not sent). */
const APPROVED = `approved as (
  select * from jsonb_to_recordset(:lines::jsonb) as x(product_id text, quantity integer)
)`;

/**
 * The units leave the warehouse. Conditional on them still being free, so even a bug cannot
 * oversell the warehouse (the rows are locked, so every line applies; the caller checks the count).
 */
const TAKEN_OUT = `taken_out as (
  update stock_level s set on_hand = s.on_hand - a.quantity, updated_at = now()
    from approved a
   where s.location_id = :sourceId and s.product_id = any(array(select product_id from approved))
     and s.product_id = a.product_id and a.quantity > 0
     and s.on_hand - s.reserved >= a.quantity
  returning ${LEVEL_AFTER}, a.quantity
)`;

/**
 * They arrive at the store, a level created where it had none. Another row of stock_level than
 * TAKEN_OUT's (the store's, not the warehouse's), which one statement may change.
 */
const PUT_IN = `put_in as (
  insert into stock_level as s (product_id, location_id, on_hand, reserved, reorder_point)
  select product_id, :destinationId, quantity, 0, 0 from taken_out order by product_id
  on conflict (product_id, location_id)
    do update set on_hand = s.on_hand + excluded.on_hand, updated_at = now()
  returning ${LEVEL_AFTER}
)`;

/** The audit trail: a TRANSFER_OUT at the warehouse and a TRANSFER_IN at the store per product, reference = the request. */
const TRAIL = `trail as (
  ${INSERT_MOVEMENT}
  select product_id, :sourceId, -quantity, 0, 'TRANSFER_OUT', :requestId, :note, :actor from taken_out
  union all
  select product_id, :destinationId, quantity, 0, 'TRANSFER_IN', :requestId, :note, :actor from taken_out
  ${MOVEMENT_RETURNING}
)`;

/** Each line records what was approved of it. */
const LINES_APPROVED = `lines_approved as (
  update replenishment_line l set approved_quantity = a.quantity
    from approved a where l.request_id = :requestId::uuid and l.product_id = a.product_id
)`;

/** The request's history gains its APPROVED entry. */
const HISTORY = `history as (
  insert into replenishment_event (request_id, status, actor, note) values (:requestId::uuid, 'APPROVED', :actor, :note)
)`;

/** The decision itself, returned as the request's row. */
const DECIDED = `decided as (
  update replenishment_request r
     set status = 'APPROVED', decided_by = :actor, decided_at = now(), updated_at = now()
   where r.id = :requestId::uuid
  returning ${REQUEST.columns}
)`;

/**
 * The approval: the request as decided, how many lines left the warehouse (`moved`, every line with
 * units unless a bug broke the lock), and the movements with their levels after (`changes`).
 */
export const APPROVE_REQUEST = sql<
  { lines: string; sourceId: string; destinationId: string; requestId: string; actor: string; note: string | null },
  ReplenishmentRequest & { moved: number; changes: MovementChange[] }
>(
  `with ${APPROVED}, ${TAKEN_OUT}, ${PUT_IN}, ${TRAIL}, ${LINES_APPROVED}, ${HISTORY}, ${DECIDED}
   select decided.*, (select count(*)::int from taken_out) as "moved",
          ${changesColumn('trail', ['taken_out', 'put_in'])}
     from decided`,
  { row: rowWith<ReplenishmentRequest, { moved: number; changes: MovementChange[] }>(REQUEST) },
);

/**
 * A rejection with its reason and history entry, in one statement; conditional on the request being
 * PENDING (no row otherwise), so a rejection racing an approval waits for the approval's row lock and
 * then finds it APPROVED.
 */
export const REJECT_REQUEST = sql<{ requestId: string; reason: string; actor: string }, ReplenishmentRequest>(
  `with r as (
     update replenishment_request r
        set status = 'REJECTED', rejection_reason = :reason, decided_by = :actor, decided_at = now(), updated_at = now()
      where r.id = :requestId::uuid and r.status = 'PENDING'
     returning ${REQUEST.columns}
   ), ev as (
     insert into replenishment_event (request_id, status, actor, note) select r."id", 'REJECTED', :actor, :reason from r
   )
   select * from r`,
  { row: REQUEST },
);

/** Requests by id, any order, unknown ids absent (the request's DataLoader, and a refused rejection's answer). */
export const REQUESTS_BY_IDS = sql<{ ids: readonly string[] }, ReplenishmentRequest>(
  `select ${REQUEST.columns} from replenishment_request r where r.id = any(:ids::uuid[])`,
  { row: REQUEST },
);

/** The lists' criteria: null for "any". */
export interface RequestFilterParams {
  storeId: string | null;
  status: string | null;
}

// The indexes (store_id, seq desc) and (status, seq desc) serve the criteria left once the nulls fold.
const REQUEST_FILTER = `(:storeId::text is null or r.store_id = :storeId::text)
  and (:status::text is null or r.status = :status::text)`;

/** A page of requests, newest first (keyset on seq, a bigint as text). */
export const REQUEST_PAGE = sql<
  RequestFilterParams & { beforeSeq: string | null; limit: number },
  ReplenishmentRequest
>(
  `select ${REQUEST.columns} from replenishment_request r
    where ${REQUEST_FILTER}
      and (:beforeSeq::bigint is null or r.seq < :beforeSeq::bigint)
    order by r.seq desc
    limit :limit`,
  { row: REQUEST },
);

export const REQUEST_COUNT = sql<RequestFilterParams, { count: number }>(
  `select count(*)::int as "count" from replenishment_request r where ${REQUEST_FILTER}`,
);

/** The lines of many requests, in product order. */
export const LINES_OF_REQUESTS = sql<{ requestIds: readonly string[] }, ReplenishmentLine>(
  `select ${REQUEST_LINE.columns} from replenishment_line rln
    where rln.request_id = any(:requestIds::uuid[])
    order by rln.request_id, rln.product_id`,
  { row: REQUEST_LINE },
);

/** The status histories of many requests, oldest first. */
export const HISTORY_OF_REQUESTS = sql<{ requestIds: readonly string[] }, ReplenishmentEvent>(
  `select ${REQUEST_EVENT.columns} from replenishment_event e
    where e.request_id = any(:requestIds::uuid[])
    order by e.request_id, e.id`,
  { row: REQUEST_EVENT },
);

/** PENDING requests per store, every store with a location included (0 when none): the gauge's values. */
export const PENDING_BY_STORE = sql<Record<string, never>, { storeId: string; count: number }>(
  `select l.store_id as "storeId", count(r.id)::int as "count"
     from location l left join replenishment_request r on r.store_id = l.store_id and r.status = 'PENDING'
    where l.kind = 'STORE'
    group by l.store_id
    order by l.store_id`,
);
