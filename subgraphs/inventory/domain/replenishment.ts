import type { EntityManager } from '@mikro-orm/postgresql';
import {
  inTransaction,
  legacyQueryOne,
  legacyQueryRows,
  toDate,
  userError,
  WAREHOUSE_LOCATION_ID,
  type DomainContext,
  type UserError,
} from '../../kit/domain';
import type {
  ApproveReplenishmentInput,
  RejectReplenishmentInput,
  RequestReplenishmentInput,
} from '../generated/resolvers';
import { actorName, assertHeadOffice, callerOf, replenishmentScope, staffStore } from './access';
import { MAX_ID_LENGTH, MAX_NOTE_LENGTH, MAX_QUANTITY, validId } from './limits';
import type { InventoryContext } from './context';
import { lineCountError, linesParameter, mergeLines } from './lines';
import {
  changesColumn,
  LEVEL_AFTER,
  MOVEMENT_RETURNING,
  recordInventoryEvents,
  stockChangedEvents,
  type MovementChange,
} from './events';
import { INSERT_MOVEMENT, type RawRow, type ReadContext } from './rows';
import type { ReplenishmentEvent, ReplenishmentLine, ReplenishmentRequest, ReplenishmentStatus } from './types';

/**
 * Replenishment (issue 8, ADR 0017): a store's staff ask the central warehouse for stock, head office
 * approves (the stock moves) or rejects (with a reason). Raw SQL like every inventory write: each
 * change is conditional on the latest state of its rows (a request still PENDING, warehouse units
 * still free) and costs a constant number of statements whatever the number of lines.
 *
 * Approval is all or nothing, in ONE transaction: the request row is locked first (two approvals of
 * one request serialise there, and the second finds it APPROVED), then the stock rows of the
 * warehouse and the store in the global lock order (location, product), the warehouse levels are
 * checked, and one statement takes the units out of the warehouse (a conditional UPDATE, so even a
 * bug cannot oversell it), puts them in at the store, writes a TRANSFER_OUT and a TRANSFER_IN movement
 * per product (reference = request id) and records the decision. When the warehouse lacks units
 * nothing moves: the admin gets INSUFFICIENT_STOCK per short product and may approve less, explicitly
 * (ADR 0017: never a silent partial shipment).
 *
 * Every change writes its events (replenishment.requested / approved / rejected, and a stock.changed
 * per movement of an approval) to the outbox in its transaction, after its rows (docs/events.md).
 */

export const MAX_REASON_LENGTH = MAX_NOTE_LENGTH;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ReplenishmentResult<O extends string> {
  request: ReplenishmentRequest | null;
  errors: UserError[];
  outcome: O;
}

/** Every column of replenishment_request (alias `r`), aliased to the ReplenishmentRequest interface. */
const REQUEST_COLUMNS = `r.id::text as "id", r.seq::text as "seq", r.store_id as "storeId",
  r.source_location_id as "sourceLocationId", r.destination_location_id as "destinationLocationId", r.status,
  r.note, r.requested_by as "requestedBy", r.decided_by as "decidedBy", r.decided_at as "decidedAt",
  r.rejection_reason as "rejectionReason", r.created_at as "createdAt", r.updated_at as "updatedAt"`;

type RequestRow = RawRow<Omit<ReplenishmentRequest, 'decidedAt'>> & { decidedAt: Date | string | null };

function requestFromRow(row: RequestRow): ReplenishmentRequest {
  return {
    ...row,
    decidedAt: row.decidedAt === null ? null : toDate(row.decidedAt),
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  };
}

function notFound(requestId: string): UserError {
  return userError('REQUEST_NOT_FOUND', `No replenishment request with id ${requestId}`, ['input', 'requestId']);
}

function notPending(request: ReplenishmentRequest): UserError {
  return userError('REQUEST_NOT_PENDING', `The replenishment request ${request.id} is already ${request.status}`, [
    'input',
    'requestId',
  ]);
}

function noteError(note: string | null | undefined, field: string): UserError | null {
  return note != null && note.length > MAX_NOTE_LENGTH
    ? userError('INVALID_INPUT', `${field} must be at most ${MAX_NOTE_LENGTH} characters`, ['input', field])
    : null;
}

/** A request id this API could have issued; anything else cannot name a request (and is not sent to SQL). */
function requestIdError(requestId: string): UserError | null {
  if (!validId(requestId)) {
    return userError('INVALID_INPUT', `requestId must be 1 to ${MAX_ID_LENGTH} characters`, ['input', 'requestId']);
  }
  return UUID.test(requestId) ? null : notFound(requestId);
}

// ---------- request ----------

export type RequestOutcome = 'requested' | 'invalid' | 'no_store_location' | 'unknown_product' | 'product_inactive';

/**
 * A store's CLERK or MANAGER asks for stock for their own store (the token's). Order of checks: input
 * rules, the store's location, every product with products (UNKNOWN_PRODUCT, PRODUCT_INACTIVE: a
 * withdrawn product is not sold, so not replenished either), then one statement writes the request,
 * its lines and its first history entry, and the replenishment.requested event follows in the same
 * transaction. ServiceUnavailable from products leaves before any write.
 */
export async function requestReplenishment(
  ctx: InventoryContext,
  input: RequestReplenishmentInput,
): Promise<ReplenishmentResult<RequestOutcome>> {
  const identity = callerOf(ctx);
  const storeId = staffStore(identity);
  const errors: UserError[] = [];
  const countError = lineCountError(input.lines.length);
  if (countError) errors.push(countError);
  const merged = mergeLines(input.lines);
  errors.push(...merged.errors);
  const tooLong = noteError(input.note, 'note');
  if (tooLong) errors.push(tooLong);
  if (errors.length) return { request: null, errors, outcome: 'invalid' };

  const destination = await legacyQueryOne<{ id: string }>(ctx.em, `select id from location where store_id = ?`, [storeId]);
  if (!destination) {
    return {
      request: null,
      errors: [userError('NO_STORE_LOCATION', `Store ${storeId} has no stock location in inventory`)],
      outcome: 'no_store_location',
    };
  }

  // Through the request's product loader: every line is one `_entities` request to products.
  const products = await Promise.all(merged.lines.map((l) => ctx.products.load(l.productId)));
  const refused: UserError[] = [];
  let outcome: RequestOutcome = 'requested';
  merged.lines.forEach((line, i) => {
    const product = products[i];
    const field = ['input', 'lines', String(line.index), 'productId'];
    if (!product) {
      refused.push(userError('UNKNOWN_PRODUCT', `No product with id ${line.productId}`, field));
      outcome = 'unknown_product';
    } else if (!product.active) {
      refused.push(userError('PRODUCT_INACTIVE', `${product.name} is no longer sold`, field));
      if (outcome === 'requested') outcome = 'product_inactive';
    }
  });
  if (refused.length) {
    refused.sort((a, b) => Number(a.field?.[2]) - Number(b.field?.[2]));
    return { request: null, errors: refused, outcome };
  }

  const note = input.note ?? null;
  const actor = actorName(identity);
  return inTransaction<ReplenishmentResult<RequestOutcome>>(ctx.em, async (tx) => {
    const row = await legacyQueryOne<RequestRow>(
      tx,
      `with r as (
       insert into replenishment_request as r
         (seq, store_id, source_location_id, destination_location_id, status, note, requested_by)
       values (nextval('replenishment_request_seq'), ?, ?, ?, 'PENDING', ?, ?)
       returning ${REQUEST_COLUMNS}
     ), lines as (
       insert into replenishment_line (request_id, product_id, quantity)
       select r.id::uuid, x.product_id, x.quantity from r, jsonb_to_recordset(?::jsonb) as x(product_id text, quantity integer)
     ), ev as (
       insert into replenishment_event (request_id, status, actor, note) select r.id::uuid, 'PENDING', ?, ? from r
     )
     select * from r`,
      [storeId, WAREHOUSE_LOCATION_ID, destination.id, note, actor, linesParameter(merged.lines), actor, note],
    );
    if (!row) throw new Error('replenishment request insert returned nothing');
    const request = requestFromRow(row);
    await recordInventoryEvents(tx, ctx.requestId, [
      {
        type: 'replenishment.requested',
        aggregate: { type: 'ReplenishmentRequest', id: request.id },
        data: {
          requestId: request.id,
          storeId: request.storeId,
          sourceLocationId: request.sourceLocationId,
          destinationLocationId: request.destinationLocationId,
          requestedBy: request.requestedBy,
          note: request.note,
          lines: merged.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
        },
      },
    ]);
    return { commit: true, result: { request, errors: [], outcome: 'requested' } };
  });
}

// ---------- approve ----------

export type ApproveOutcome =
  'approved' | 'already_approved' | 'not_found' | 'not_pending' | 'insufficient_stock' | 'invalid';

interface ApprovedLine {
  productId: string;
  requested: number;
  approved: number;
  /** Index in input.lines when the admin gave this product's quantity. */
  inputIndex: number | null;
}

function validateApproval(input: ApproveReplenishmentInput): UserError[] {
  const errors: UserError[] = [];
  const idError = requestIdError(input.requestId);
  if (idError) errors.push(idError);
  const seen = new Set<string>();
  (input.lines ?? []).forEach((line, i) => {
    const at = (leaf: string) => ['input', 'lines', String(i), leaf];
    if (!validId(line.productId)) {
      errors.push(userError('INVALID_INPUT', `productId must be 1 to ${MAX_ID_LENGTH} characters`, at('productId')));
    } else if (seen.has(line.productId)) {
      errors.push(userError('INVALID_INPUT', `${line.productId} is listed twice`, at('productId')));
    }
    seen.add(line.productId);
    if (!Number.isInteger(line.quantity) || line.quantity < 0 || line.quantity > MAX_QUANTITY) {
      errors.push(
        userError('INVALID_QUANTITY', `quantity must be a whole number from 0 to ${MAX_QUANTITY}`, at('quantity')),
      );
    }
  });
  const tooLong = noteError(input.note, 'note');
  if (tooLong) errors.push(tooLong);
  return errors;
}

/** What is approved per line of the request: as asked, unless input.lines says less. */
function approvedLines(
  input: ApproveReplenishmentInput,
  lines: readonly ReplenishmentLine[],
): { lines: ApprovedLine[]; errors: UserError[] } {
  const errors: UserError[] = [];
  const given = new Map((input.lines ?? []).map((l, i) => [l.productId, { quantity: l.quantity, index: i }]));
  const requested = new Map(lines.map((l) => [l.productId, l.quantity]));
  (input.lines ?? []).forEach((line, i) => {
    const asked = requested.get(line.productId);
    if (asked === undefined) {
      errors.push(
        userError('INVALID_INPUT', `${line.productId} is not a product of this request`, [
          'input',
          'lines',
          String(i),
          'productId',
        ]),
      );
    } else if (line.quantity > asked) {
      errors.push(
        userError('INVALID_QUANTITY', `At most the ${asked} units the store asked for of ${line.productId}`, [
          'input',
          'lines',
          String(i),
          'quantity',
        ]),
      );
    }
  });
  const approved = lines.map((l): ApprovedLine => {
    const g = given.get(l.productId);
    return {
      productId: l.productId,
      requested: l.quantity,
      approved: g?.quantity ?? l.quantity,
      inputIndex: g?.index ?? null,
    };
  });
  if (errors.length === 0 && approved.every((l) => l.approved === 0)) {
    errors.push(
      userError('INVALID_QUANTITY', 'Approve at least one unit, or reject the request instead', ['input', 'lines']),
    );
  }
  return { lines: approved, errors };
}

async function lockedRequest(
  tx: EntityManager,
  requestId: string,
): Promise<{ request: ReplenishmentRequest; lines: ReplenishmentLine[] } | null> {
  const row = await legacyQueryOne<RequestRow & { lines: ReplenishmentLine[] | null }>(
    tx,
    `select ${REQUEST_COLUMNS},
            (select json_agg(json_build_object('requestId', l.request_id, 'productId', l.product_id,
                    'quantity', l.quantity, 'approvedQuantity', l.approved_quantity) order by l.product_id)
               from replenishment_line l where l.request_id = r.id) as "lines"
       from replenishment_request r where r.id = ?::uuid
        for update of r`,
    [requestId],
  );
  if (!row) return null;
  const { lines, ...request } = row;
  return { request: requestFromRow(request), lines: lines ?? [] };
}

/**
 * Head office approves a PENDING request: the approved units move from the warehouse to the store in
 * one transaction (see the top of this file). Approving an APPROVED request again returns it
 * unchanged: the stock never moves twice.
 */
export async function approveReplenishment(
  ctx: DomainContext,
  input: ApproveReplenishmentInput,
): Promise<ReplenishmentResult<ApproveOutcome>> {
  const identity = callerOf(ctx);
  assertHeadOffice(identity);
  const errors = validateApproval(input);
  if (errors.length) return { request: null, errors, outcome: 'invalid' };
  const actor = actorName(identity);
  const note = input.note ?? null;

  return inTransaction<ReplenishmentResult<ApproveOutcome>>(ctx.em, async (tx) => {
    const found = await lockedRequest(tx, input.requestId);
    if (!found) {
      return { commit: false, result: { request: null, errors: [notFound(input.requestId)], outcome: 'not_found' } };
    }
    const { request } = found;
    if (request.status === 'APPROVED') {
      return { commit: false, result: { request, errors: [], outcome: 'already_approved' } };
    }
    if (request.status !== 'PENDING') {
      return { commit: false, result: { request, errors: [notPending(request)], outcome: 'not_pending' } };
    }
    const plan = approvedLines(input, found.lines);
    if (plan.errors.length) return { commit: false, result: { request, errors: plan.errors, outcome: 'invalid' } };

    const source = request.sourceLocationId;
    const moving = plan.lines.filter((l) => l.approved > 0);
    const levels = await legacyQueryRows<{ productId: string; locationId: string; onHand: number; reserved: number }>(
      tx,
      `select product_id as "productId", location_id as "locationId", on_hand as "onHand", reserved from stock_level
        where location_id = any(?::text[]) and product_id = any(?::text[])
        order by location_id, product_id
        for update`,
      [[source, request.destinationLocationId], moving.map((l) => l.productId)],
    );
    const atSource = new Map(levels.filter((l) => l.locationId === source).map((l) => [l.productId, l]));
    const short = moving.flatMap((line) => {
      const level = atSource.get(line.productId);
      const free = level ? level.onHand - level.reserved : 0;
      if (free >= line.approved) return [];
      return [
        userError(
          'INSUFFICIENT_STOCK',
          `Only ${Math.max(free, 0)} of ${line.productId} free in the warehouse; ${line.approved} approved`,
          line.inputIndex === null ? undefined : ['input', 'lines', String(line.inputIndex), 'quantity'],
        ),
      ];
    });
    if (short.length) {
      return { commit: false, result: { request, errors: short, outcome: 'insufficient_stock' } };
    }

    // The rows are locked, so the conditional UPDATE applies to every line; the condition stays as
    // the guard against overselling the warehouse. Two CTEs change stock_level, on different rows
    // (the warehouse's and the store's), which one statement may do.
    const row = await legacyQueryOne<RequestRow & { moved: number; changes: MovementChange[] }>(
      tx,
      `with approved as (
         select * from jsonb_to_recordset(?::jsonb) as x(product_id text, quantity integer)
       ), out_ as (
         update stock_level s set on_hand = s.on_hand - a.quantity, updated_at = now()
           from approved a
          where s.location_id = ? and s.product_id = a.product_id and a.quantity > 0
            and s.on_hand - s.reserved >= a.quantity
         returning ${LEVEL_AFTER}, a.quantity
       ), in_ as (
         insert into stock_level as s (product_id, location_id, on_hand, reserved, reorder_point)
         select product_id, ?, quantity, 0, 0 from out_ order by product_id
         on conflict (product_id, location_id)
           do update set on_hand = s.on_hand + excluded.on_hand, updated_at = now()
         returning ${LEVEL_AFTER}
       ), mv as (
         ${INSERT_MOVEMENT}
         select product_id, ?, -quantity, 0, 'TRANSFER_OUT', ?, ?, ? from out_
         union all
         select product_id, ?, quantity, 0, 'TRANSFER_IN', ?, ?, ? from out_
         ${MOVEMENT_RETURNING}
       ), ln as (
         update replenishment_line l set approved_quantity = a.quantity
           from approved a where l.request_id = ?::uuid and l.product_id = a.product_id
       ), ev as (
         insert into replenishment_event (request_id, status, actor, note) values (?::uuid, 'APPROVED', ?, ?)
       ), r as (
         update replenishment_request r
            set status = 'APPROVED', decided_by = ?, decided_at = now(), updated_at = now()
          where r.id = ?::uuid
         returning ${REQUEST_COLUMNS}
       )
       select r.*, (select count(*)::int from out_) as "moved", (select count(*)::int from in_) as "arrived",
              ${changesColumn('mv', ['out_', 'in_'])}
         from r`,
      [
        linesParameter(plan.lines.map((l) => ({ productId: l.productId, quantity: l.approved }))),
        source,
        request.destinationLocationId,
        source,
        request.id,
        note,
        actor,
        request.destinationLocationId,
        request.id,
        note,
        actor,
        request.id,
        request.id,
        actor,
        note,
        actor,
        request.id,
      ],
    );
    if (!row || row.moved !== moving.length) {
      // Unreachable while the rows are locked; refuse rather than move part of the request.
      throw new Error(`approval of ${request.id}: ${row?.moved ?? 0} of ${moving.length} lines moved`);
    }
    const { moved: _moved, changes, ...approvedRow } = row;
    const approved = requestFromRow(approvedRow);
    await recordInventoryEvents(tx, ctx.requestId, [
      {
        type: 'replenishment.approved',
        aggregate: { type: 'ReplenishmentRequest', id: approved.id },
        data: {
          requestId: approved.id,
          storeId: approved.storeId,
          decidedBy: actor,
          lines: plan.lines.map((l) => ({
            productId: l.productId,
            quantity: l.requested,
            approvedQuantity: l.approved,
          })),
        },
      },
      ...stockChangedEvents(changes),
    ]);
    return { commit: true, result: { request: approved, errors: [], outcome: 'approved' } };
  });
}

// ---------- reject ----------

export type RejectOutcome = 'rejected' | 'already_rejected' | 'not_found' | 'not_pending' | 'invalid';

/**
 * Head office rejects a PENDING request with a reason for the store; nothing moves. One write
 * statement, then the replenishment.rejected event, in one transaction: the UPDATE is conditional on
 * the request being PENDING, so a rejection racing an approval waits for the approval's row lock and
 * then finds the request APPROVED (REQUEST_NOT_PENDING). Rejecting a rejected request again returns
 * it unchanged and writes no event.
 */
export async function rejectReplenishment(
  ctx: DomainContext,
  input: RejectReplenishmentInput,
): Promise<ReplenishmentResult<RejectOutcome>> {
  const identity = callerOf(ctx);
  assertHeadOffice(identity);
  const errors: UserError[] = [];
  const idError = requestIdError(input.requestId);
  if (idError) errors.push(idError);
  const reason = input.reason?.trim() ?? '';
  if (reason.length === 0) {
    errors.push(userError('REASON_REQUIRED', 'A rejection needs a reason for the store', ['input', 'reason']));
  } else if (reason.length > MAX_REASON_LENGTH) {
    errors.push(
      userError('INVALID_INPUT', `reason must be at most ${MAX_REASON_LENGTH} characters`, ['input', 'reason']),
    );
  }
  if (errors.length) return { request: null, errors, outcome: 'invalid' };
  const actor = actorName(identity);

  const rejected = await inTransaction<ReplenishmentRequest | null>(ctx.em, async (tx) => {
    const row = await legacyQueryOne<RequestRow>(
      tx,
      `with r as (
       update replenishment_request r
          set status = 'REJECTED', rejection_reason = ?, decided_by = ?, decided_at = now(), updated_at = now()
        where r.id = ?::uuid and r.status = 'PENDING'
       returning ${REQUEST_COLUMNS}
     ), ev as (
       insert into replenishment_event (request_id, status, actor, note) select r.id::uuid, 'REJECTED', ?, ? from r
     )
     select * from r`,
      [reason, actor, input.requestId, actor, reason],
    );
    if (!row) return { commit: false, result: null };
    const request = requestFromRow(row);
    await recordInventoryEvents(tx, ctx.requestId, [
      {
        type: 'replenishment.rejected',
        aggregate: { type: 'ReplenishmentRequest', id: request.id },
        data: { requestId: request.id, storeId: request.storeId, decidedBy: actor, reason },
      },
    ]);
    return { commit: true, result: request };
  });
  if (rejected) return { request: rejected, errors: [], outcome: 'rejected' };

  const current = await legacyQueryOne<RequestRow>(
    ctx.em,
    `select ${REQUEST_COLUMNS} from replenishment_request r where r.id = ?::uuid`,
    [input.requestId],
  );
  if (!current) return { request: null, errors: [notFound(input.requestId)], outcome: 'not_found' };
  const request = requestFromRow(current);
  if (request.status === 'REJECTED') return { request, errors: [], outcome: 'already_rejected' };
  return { request, errors: [notPending(request)], outcome: 'not_pending' };
}

// ---------- reads ----------

export interface ReplenishmentFilter {
  /** null: every store (head office only; replenishmentScope decides). */
  storeId: string | null;
  status: ReplenishmentStatus | null;
}

/** The filter a caller may list with: their own store unless head office (AccessDenied otherwise). */
export function replenishmentFilter(
  ctx: Pick<DomainContext, 'identity'>,
  input: { storeId: string | null; status: ReplenishmentStatus | null },
): ReplenishmentFilter {
  return { storeId: replenishmentScope(callerOf(ctx), input.storeId), status: input.status };
}

function requestWhere(filter: ReplenishmentFilter, beforeSeq: string | null): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.storeId !== null) {
    clauses.push('r.store_id = ?');
    params.push(filter.storeId);
  }
  if (filter.status !== null) {
    clauses.push('r.status = ?');
    params.push(filter.status);
  }
  if (beforeSeq !== null) {
    clauses.push('r.seq < ?::bigint');
    params.push(beforeSeq);
  }
  return { where: clauses.length ? `where ${clauses.join(' and ')}` : '', params };
}

/** A page of requests, newest first (keyset on seq). */
export async function replenishmentPage(
  ctx: ReadContext,
  input: { filter: ReplenishmentFilter; limit: number; beforeSeq: string | null },
): Promise<ReplenishmentRequest[]> {
  if (input.limit === 0) return [];
  const { where, params } = requestWhere(input.filter, input.beforeSeq);
  const rows = await legacyQueryRows<RequestRow>(
    ctx.em,
    `select ${REQUEST_COLUMNS} from replenishment_request r ${where} order by r.seq desc limit ?`,
    [...params, input.limit],
  );
  return rows.map(requestFromRow);
}

export async function replenishmentCount(ctx: ReadContext, filter: ReplenishmentFilter): Promise<number> {
  const { where, params } = requestWhere(filter, null);
  const row = await legacyQueryOne<{ count: number }>(
    ctx.em,
    `select count(*)::int as "count" from replenishment_request r ${where}`,
    params,
  );
  return row?.count ?? 0;
}

/** The lines of many requests, in product order (one statement: the request lists' DataLoader). */
export async function linesOfRequests(ctx: ReadContext, requestIds: readonly string[]): Promise<ReplenishmentLine[]> {
  if (requestIds.length === 0) return [];
  return legacyQueryRows<ReplenishmentLine>(
    ctx.em,
    `select request_id::text as "requestId", product_id as "productId", quantity, approved_quantity as "approvedQuantity"
       from replenishment_line where request_id = any(?::uuid[])
      order by request_id, product_id`,
    [requestIds],
  );
}

/** The status histories of many requests, oldest first (one statement). */
export async function historyOfRequests(
  ctx: ReadContext,
  requestIds: readonly string[],
): Promise<ReplenishmentEvent[]> {
  if (requestIds.length === 0) return [];
  const rows = await legacyQueryRows<RawRow<ReplenishmentEvent>>(
    ctx.em,
    `select id::text as "id", request_id::text as "requestId", status, actor, note, created_at as "createdAt"
       from replenishment_event where request_id = any(?::uuid[])
      order by request_id, id`,
    [requestIds],
  );
  return rows.map((row) => ({ ...row, createdAt: toDate(row.createdAt) }));
}

/** Pending requests per store, every store with a location included (0 when none): the metric's values. */
export async function pendingByStore(ctx: ReadContext): Promise<{ storeId: string; count: number }[]> {
  return legacyQueryRows<{ storeId: string; count: number }>(
    ctx.em,
    `select l.store_id as "storeId", count(r.id)::int as "count"
       from location l left join replenishment_request r on r.store_id = l.store_id and r.status = 'PENDING'
      where l.kind = 'STORE'
      group by l.store_id
      order by l.store_id`,
  );
}
