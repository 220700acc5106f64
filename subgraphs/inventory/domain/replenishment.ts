import type { EntityManager } from '@mikro-orm/postgresql';
import {
  inTransaction,
  queryOne,
  queryRows,
  WAREHOUSE_LOCATION_ID,
  type DbContext,
  type DomainContext,
} from '../../kit/domain';
import type {
  ApproveReplenishmentInput,
  RejectReplenishmentInput,
  RequestReplenishmentInput,
} from '../generated/resolvers';
import { actorName, assertHeadOffice, callerOf, replenishmentScope, staffStore } from './access';
import { MAX_ID_LENGTH, MAX_NOTE_LENGTH, MAX_QUANTITY, validId } from './limits';
import type { InventoryContext } from './context';
import { userError, type InventoryUserError } from './errors';
import { lineCountError, linesParameter, mergeLines } from './lines';
import { recordInventoryEvents, stockChangedEvents } from './events';
import {
  APPROVE_REQUEST,
  HISTORY_OF_REQUESTS,
  INSERT_REQUEST,
  LINES_OF_REQUESTS,
  LOCK_REQUEST,
  LOCK_TRANSFER_LEVELS,
  PENDING_BY_STORE,
  REJECT_REQUEST,
  REQUEST_COUNT,
  REQUEST_PAGE,
  REQUESTS_BY_IDS,
  STORE_LOCATION,
} from './sql/replenishment';
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
  errors: InventoryUserError[];
  outcome: O;
}

function notFound(requestId: string): InventoryUserError {
  return userError('REQUEST_NOT_FOUND', `No replenishment request with id ${requestId}`, ['input', 'requestId']);
}

function notPending(request: ReplenishmentRequest): InventoryUserError {
  return userError('REQUEST_NOT_PENDING', `The replenishment request ${request.id} is already ${request.status}`, [
    'input',
    'requestId',
  ]);
}

function noteError(note: string | null | undefined, field: string): InventoryUserError | null {
  return note != null && note.length > MAX_NOTE_LENGTH
    ? userError('INVALID_INPUT', `${field} must be at most ${MAX_NOTE_LENGTH} characters`, ['input', field])
    : null;
}

/** A request id this API could have issued; anything else cannot name a request (and is not sent to SQL). */
function requestIdError(requestId: string): InventoryUserError | null {
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
  const errors: InventoryUserError[] = [];
  const countError = lineCountError(input.lines.length);
  if (countError) errors.push(countError);
  const merged = mergeLines(input.lines);
  errors.push(...merged.errors);
  const tooLong = noteError(input.note, 'note');
  if (tooLong) errors.push(tooLong);
  if (errors.length) return { request: null, errors, outcome: 'invalid' };

  const destination = await queryOne(ctx.em, STORE_LOCATION, { storeId });
  if (!destination) {
    return {
      request: null,
      errors: [userError('NO_STORE_LOCATION', `Store ${storeId} has no stock location in inventory`)],
      outcome: 'no_store_location',
    };
  }

  // Through the request's product loader: every line is one `_entities` request to products.
  const products = await Promise.all(merged.lines.map((l) => ctx.products.load(l.productId)));
  const refused: InventoryUserError[] = [];
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
    const request = await queryOne(tx, INSERT_REQUEST, {
      storeId,
      sourceId: WAREHOUSE_LOCATION_ID,
      destinationId: destination.id,
      note,
      actor,
      lines: linesParameter(merged.lines),
    });
    if (!request) throw new Error('replenishment request insert returned nothing');
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

function validateApproval(input: ApproveReplenishmentInput): InventoryUserError[] {
  const errors: InventoryUserError[] = [];
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
): { lines: ApprovedLine[]; errors: InventoryUserError[] } {
  const errors: InventoryUserError[] = [];
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
  const row = await queryOne(tx, LOCK_REQUEST, { requestId });
  if (!row) return null;
  const { lines, ...request } = row;
  return { request, lines };
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
    const levels = await queryRows(tx, LOCK_TRANSFER_LEVELS, {
      locationIds: [source, request.destinationLocationId],
      productIds: moving.map((l) => l.productId),
    });
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
    // the guard against overselling the warehouse (sql/replenishment.ts, the approval in parts).
    const row = await queryOne(tx, APPROVE_REQUEST, {
      lines: linesParameter(plan.lines.map((l) => ({ productId: l.productId, quantity: l.approved }))),
      sourceId: source,
      destinationId: request.destinationLocationId,
      requestId: request.id,
      actor,
      note,
    });
    if (!row || row.moved !== moving.length) {
      // Unreachable while the rows are locked; refuse rather than move part of the request.
      throw new Error(`approval of ${request.id}: ${row?.moved ?? 0} of ${moving.length} lines moved`);
    }
    const { moved: _moved, changes, ...approved } = row;
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
  const errors: InventoryUserError[] = [];
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
    const request = await queryOne(tx, REJECT_REQUEST, { requestId: input.requestId, reason, actor });
    if (!request) return { commit: false, result: null };
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

  const [current] = await requestsByIds(ctx, [input.requestId]);
  if (!current) return { request: null, errors: [notFound(input.requestId)], outcome: 'not_found' };
  if (current.status === 'REJECTED') return { request: current, errors: [], outcome: 'already_rejected' };
  return { request: current, errors: [notPending(current)], outcome: 'not_pending' };
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

/** A page of requests, newest first (keyset on seq). */
export async function replenishmentPage(
  ctx: DbContext,
  input: { filter: ReplenishmentFilter; limit: number; beforeSeq: string | null },
): Promise<ReplenishmentRequest[]> {
  if (input.limit === 0) return [];
  return queryRows(ctx.em, REQUEST_PAGE, {
    storeId: input.filter.storeId,
    status: input.filter.status,
    beforeSeq: input.beforeSeq,
    limit: input.limit,
  });
}

export async function replenishmentCount(ctx: DbContext, filter: ReplenishmentFilter): Promise<number> {
  const row = await queryOne(ctx.em, REQUEST_COUNT, { storeId: filter.storeId, status: filter.status });
  return row?.count ?? 0;
}

/** Requests by id, any order, unknown ids absent; only ids that look like a uuid reach SQL (one statement). */
export async function requestsByIds(ctx: DbContext, ids: readonly string[]): Promise<ReplenishmentRequest[]> {
  const wellFormed = ids.filter((id) => UUID.test(id));
  if (wellFormed.length === 0) return [];
  return queryRows(ctx.em, REQUESTS_BY_IDS, { ids: wellFormed });
}

/** Where a request's reads come from: the request's DataLoader over requestsByIds. */
export interface ReplenishmentRequestLookup {
  load(id: string): Promise<ReplenishmentRequest | null>;
}

/**
 * One request for the caller (replenishmentRequest(id)): null when no request has this id (one that
 * is not a uuid cannot name one), refused as the list refuses: store staff see their own store's
 * requests only (AccessDenied for another store's), head office every store's.
 */
export async function replenishmentRequestFor(
  ctx: Pick<InventoryContext, 'identity' | 'requests'>,
  id: string,
): Promise<ReplenishmentRequest | null> {
  const identity = callerOf(ctx);
  // Whoever may list no request may read none either, known id or not.
  replenishmentScope(identity, null);
  if (!UUID.test(id)) return null;
  // uuids compare case-insensitively; the loader's keys are the database's lower-case text.
  const request = await ctx.requests.load(id.toLowerCase());
  if (!request) return null;
  replenishmentScope(identity, request.storeId);
  return request;
}

/** The lines of many requests, in product order (one statement: the request lists' DataLoader). */
export async function linesOfRequests(ctx: DbContext, requestIds: readonly string[]): Promise<ReplenishmentLine[]> {
  if (requestIds.length === 0) return [];
  return queryRows(ctx.em, LINES_OF_REQUESTS, { requestIds });
}

/** The status histories of many requests, oldest first (one statement). */
export async function historyOfRequests(ctx: DbContext, requestIds: readonly string[]): Promise<ReplenishmentEvent[]> {
  if (requestIds.length === 0) return [];
  return queryRows(ctx.em, HISTORY_OF_REQUESTS, { requestIds });
}

/** Pending requests per store, every store with a location included (0 when none): the metric's values. */
export async function pendingByStore(ctx: DbContext): Promise<{ storeId: string; count: number }[]> {
  return queryRows(ctx.em, PENDING_BY_STORE, {});
}
