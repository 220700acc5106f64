import type { EntityManager } from '@mikro-orm/postgresql';
import {
  execute,
  inTransaction,
  ONLINE_LOCATION_ID,
  outboxCommits,
  queryOne,
  queryRows,
  type DomainContext,
} from '../../kit/domain';
import {
  LOCATION_KINDS,
  type LocationKind,
  type MovementReason,
  type Reservation,
  type ReservationLine,
} from './types';
import type {
  CommitReservationInput,
  ReleaseReservationInput,
  ReserveStockInput,
  RestockOrderInput,
  TakeStockInput,
} from '../generated/resolvers';
import { actorName, callerOf } from './access';
import { userError, type InventoryUserError } from './errors';
import { MAX_ID_LENGTH, MAX_NOTE_LENGTH, validId } from './limits';
import { lineCountError, linesParameter, mergeLines, sameLines, type MergedLine } from './lines';
import { recordInventoryEvents, stockChangedEvents } from './events';
import {
  CLAIM_ORDER,
  COMMIT_RESERVATION,
  HOLD_LINES,
  LOCK_DUE_RESERVATIONS,
  LOCK_HELD_LEVELS,
  LOCK_LEVELS,
  LOCK_RESERVATION_LEVELS,
  LOCK_RESERVATION_OF_ORDER,
  RECORD_TOMBSTONE,
  RELEASE_RESERVATIONS,
  RESERVATION_OF_ORDER,
  RESTOCK_RESERVATION,
  TAKE_STOCK,
} from './sql/reservations';
import { RESERVATION } from './sql/shared';

/**
 * The stock steps of ecommerce's checkout saga (at the online location) and retail's till sale saga
 * (at the store's location); a commit at a store's location is a SALE in the audit trail, elsewhere
 * a RESERVATION_COMMITTED (commitReason). takeStock is reserve and commit in one step: ONE
 * statement (sql/reservations.ts TAKE_STOCK, its own implicit transaction) writes a COMMITTED
 * reservation, so release, restock and replays treat it as a committed order. The other steps are
 * raw SQL in explicit transactions (statements in sql/reservations.ts), not the unit of work: each step
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

/** A reservation locked for a step, with the kind of its location (null for a tombstone). */
export interface HeldReservation extends ReservationWithLines {
  locationKind: LocationKind | null;
}

/**
 * The audit-trail reason of a commit: a till sale's units (the reservation is at a store's
 * location) are SALE, an online order's RESERVATION_COMMITTED. Inferred from the location, so the
 * saga steps' inputs stay what retail and ecommerce send.
 */
export function commitReason(locationKind: LocationKind | null): MovementReason {
  return locationKind === 'STORE' ? 'SALE' : 'RESERVATION_COMMITTED';
}

/** commitReason for every kind of location, as TAKE_STOCK reads it (the kind is known only there). */
const COMMIT_REASONS = JSON.stringify(Object.fromEntries(LOCATION_KINDS.map((kind) => [kind, commitReason(kind)])));

export type ReserveOutcome =
  'reserved' | 'duplicate' | 'invalid' | 'unknown_location' | 'insufficient_stock' | 'key_reused' | 'not_active';

export interface ReservationResult<O extends string> {
  reservation: ReservationWithLines | null;
  errors: InventoryUserError[];
  outcome: O;
}

/** The order id every saga step is keyed by. */
function orderIdError(orderId: string): InventoryUserError | null {
  return validId(orderId)
    ? null
    : userError('INVALID_INPUT', `orderId must be 1 to ${MAX_ID_LENGTH} characters`, ['input', 'orderId']);
}

/** Input rules shared by the compensations (release, restock): an order id and an optional reason. */
function validateOrderReason(input: ReleaseReservationInput | RestockOrderInput): InventoryUserError[] {
  const errors: InventoryUserError[] = [];
  const idError = orderIdError(input.orderId);
  if (idError) errors.push(idError);
  if (input.reason != null && input.reason.length > MAX_NOTE_LENGTH) {
    errors.push(
      userError('INVALID_INPUT', `reason must be at most ${MAX_NOTE_LENGTH} characters`, ['input', 'reason']),
    );
  }
  return errors;
}

/** takeStock's input rules: reserveStock's without a ttl (an order id, 1 to 100 valid lines, merged). */
function validateTake(input: TakeStockInput): { errors: InventoryUserError[]; lines: MergedLine[] } {
  const errors: InventoryUserError[] = [];
  const idError = orderIdError(input.orderId);
  if (idError) errors.push(idError);
  const countError = lineCountError(input.lines.length);
  if (countError) errors.push(countError);
  const merged = mergeLines(input.lines);
  return { errors: [...errors, ...merged.errors], lines: merged.lines };
}

function validateReserve(input: ReserveStockInput): { errors: InventoryUserError[]; lines: MergedLine[] } {
  const errors: InventoryUserError[] = [];
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

/** The reservation of an order with its lines, unlocked (a replayed reserveStock answers from it). */
async function findReservation(em: EntityManager, orderId: string): Promise<ReservationWithLines | null> {
  return queryOne(em, RESERVATION_OF_ORDER, { orderId });
}

/** The reservation of an order, row-locked for this transaction (the first lock of every step). */
async function lockReservation(em: EntityManager, orderId: string): Promise<HeldReservation | null> {
  return queryOne(em, LOCK_RESERVATION_OF_ORDER, { orderId });
}

/** The row a final `update reservation ... returning` gave, with the lines the caller already holds. */
function updated(row: Reservation | null | undefined, before: ReservationWithLines): ReservationWithLines {
  // The UPDATE ran on the row locked at the start of the transaction, so it cannot have vanished.
  if (!row) throw new Error(`reservation ${before.id} disappeared while locked`);
  return { ...row, lines: before.lines };
}

function notActive(reservation: Reservation): InventoryUserError {
  return userError(
    'RESERVATION_NOT_ACTIVE',
    `The reservation of order ${reservation.orderId} is ${reservation.status}`,
    ['input', 'orderId'],
  );
}

/**
 * One INSUFFICIENT_STOCK per line whose units are not available at the location (on hand minus
 * reserved; a product without a level there has none), in input order, naming what is short.
 */
function shortages(
  lines: readonly MergedLine[],
  levels: readonly { productId: string; onHand: number; reserved: number }[],
  locationId: string,
): InventoryUserError[] {
  const byProduct = new Map(levels.map((l) => [l.productId, l]));
  const short: InventoryUserError[] = [];
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
  return short.sort((a, b) => Number(a.field?.[2]) - Number(b.field?.[2]));
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
    const claimed = await queryOne(tx, CLAIM_ORDER, { orderId: input.orderId, locationId, ttlSeconds: ttl });
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

    const levels = await queryRows(tx, LOCK_LEVELS, { locationId, productIds: lines.map((l) => l.productId) });
    const short = shortages(lines, levels, locationId);
    if (short.length) {
      return { commit: false, result: { reservation: null, errors: short, outcome: 'insufficient_stock' } };
    }

    // The rows are locked, so every conditional update applies; the condition stays as a guard.
    const done = await queryOne(tx, HOLD_LINES, {
      lines: linesParameter(lines),
      locationId,
      reservationId: claimed.id,
      orderId: input.orderId,
      actor,
    });
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
      result: { reservation: { ...claimed, lines: reservationLines }, errors: [], outcome: 'reserved' },
    };
  });
}

export type TakeOutcome =
  'taken' | 'duplicate' | 'invalid' | 'unknown_location' | 'insufficient_stock' | 'key_reused' | 'not_active';

/**
 * What a takeStock of an order id already used answers: the first take when it was one with the same
 * location and lines (nothing changes); the reservation and RESERVATION_NOT_ACTIVE when the order's
 * stock step is over (released, expired, a release recorded before the take, or restocked);
 * IDEMPOTENCY_KEY_REUSED for other lines, another location, or an id reserveStock used.
 */
function takeReplay(
  existing: ReservationWithLines,
  locationId: string,
  lines: MergedLine[],
): ReservationResult<TakeOutcome> {
  if (existing.status === 'RELEASED' || existing.status === 'EXPIRED' || existing.status === 'RESTOCKED') {
    return { reservation: existing, errors: [notActive(existing)], outcome: 'not_active' };
  }
  if (!existing.taken || existing.locationId !== locationId || !sameLines(existing.lines, lines)) {
    const message = existing.taken
      ? `Order ${existing.orderId} already took different stock; use a new order id for different lines`
      : `Order ${existing.orderId} already holds a reservation (reserveStock); use a new order id to take stock`;
    return {
      reservation: null,
      errors: [userError('IDEMPOTENCY_KEY_REUSED', message, ['input', 'orderId'])],
      outcome: 'key_reused',
    };
  }
  return { reservation: existing, errors: [], outcome: 'duplicate' };
}

/**
 * Reserve and commit in one step, for a checkout or a till sale that takes its stock once: every
 * line's units leave on hand at the location (the online location when omitted) only if every line
 * has them available, once per order id. ONE statement (TAKE_STOCK) on the happy path and for a
 * replay; a refusal writes nothing and costs at most one more read (the order's reservation, when
 * a take of the same id committed while the statement waited for its locks). The row it writes is
 * a COMMITTED reservation (taken) with its lines: commit is a no-op, release answers
 * RESERVATION_NOT_ACTIVE and restock puts the units back, as for a reserved then committed order.
 */
export async function takeStock(ctx: DomainContext, input: TakeStockInput): Promise<ReservationResult<TakeOutcome>> {
  const actor = actorName(callerOf(ctx));
  const { errors, lines } = validateTake(input);
  if (errors.length) return { reservation: null, errors, outcome: 'invalid' };
  const locationId = input.locationId ?? ONLINE_LOCATION_ID;

  const row = await queryOne(ctx.em, TAKE_STOCK, {
    orderId: input.orderId,
    locationId,
    lines: linesParameter(lines),
    reasons: COMMIT_REASONS,
    actor,
    // As recordEvents keeps it.
    correlationId: ctx.requestId.slice(0, 200),
  });
  if (!row) throw new Error(`take of ${input.orderId}: the statement returned no row`);
  if (row.claimed) {
    // Committed with its events: the relay of this process publishes them now, not at its next poll
    // (what recordEvents arranges for a transaction's commit).
    outboxCommits.emit('committed', String(ctx.em.config.get('clientUrl')));
    const taken = lines.map(({ productId, quantity }) => ({ reservationId: row.claimed!.id, productId, quantity }));
    return { reservation: { ...row.claimed, lines: taken }, errors: [], outcome: 'taken' };
  }

  // Nothing was written. A claim of this order id that committed while the statement waited (its
  // snapshot is older) is found by reading again: a replay racing the first take answers that take.
  const existing = row.prior ?? (await findReservation(ctx.em, input.orderId));
  if (existing) return takeReplay(existing, locationId, lines);
  if (row.locationKind === null) {
    return {
      reservation: null,
      errors: [userError('UNKNOWN_LOCATION', `No location with id ${locationId}`, ['input', 'locationId'])],
      outcome: 'unknown_location',
    };
  }
  const short = shortages(lines, row.levels, locationId);
  // Every line free and no claim means the order id was taken: then `existing` was found above.
  if (!short.length) throw new Error(`take of ${input.orderId}: nothing taken, nothing short, no reservation`);
  return { reservation: null, errors: short, outcome: 'insufficient_stock' };
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
): Promise<Reservation[]> {
  const { reservationIds, status, note, actor } = input;
  if (reservationIds.length === 0) return [];
  await execute(tx, LOCK_HELD_LEVELS, { reservationIds });
  const done = await queryOne(tx, RELEASE_RESERVATIONS, {
    reservationIds,
    status,
    reason: status === 'EXPIRED' ? 'RESERVATION_EXPIRED' : 'RESERVATION_RELEASED',
    note,
    actor,
  });
  if (!done) throw new Error('release statement returned no row');
  // The same level may move once per reservation of a sweep: stockChangedEvents gives each its own state.
  await recordInventoryEvents(tx, input.correlationId, stockChangedEvents(done.changes));
  // The JSON rows of the reservation projection: its instants as text until shaped.
  return done.reservations.map((row) => RESERVATION.fromRow(row));
}

/** The statement that settles a reservation, by the status it enters (sql/reservations.ts). */
const SETTLEMENTS = { COMMITTED: COMMIT_RESERVATION, RESTOCKED: RESTOCK_RESERVATION } as const;

/**
 * Moves a locked reservation to COMMITTED or RESTOCKED: locks the stock rows it holds in the global
 * lock order (location, product), then ONE statement changes them line by line, writes a movement per
 * line (`reason`, note = `note`) and updates the reservation row (release_reason = `note`; null when
 * committing, as it was on a PENDING reservation). Returns the updated reservation.
 */
async function settle(
  tx: EntityManager,
  reservation: ReservationWithLines,
  input: {
    status: keyof typeof SETTLEMENTS;
    reason: MovementReason;
    note: string | null;
    actor: string;
    correlationId: string;
  },
): Promise<ReservationWithLines> {
  // Only a tombstone has no location, and a tombstone is RELEASED: never settled.
  const locationId = reservation.locationId;
  if (locationId === null) throw new Error(`reservation ${reservation.id} has no location to settle at`);
  await execute(tx, LOCK_RESERVATION_LEVELS, { reservationId: reservation.id, locationId });
  const row = await queryOne(tx, SETTLEMENTS[input.status], {
    reservationId: reservation.id,
    locationId,
    orderId: reservation.orderId,
    reason: input.reason,
    note: input.note,
    actor: input.actor,
  });
  // The UPDATE ran on the row locked at the start of the transaction, so it cannot have vanished.
  if (!row) throw new Error(`reservation ${reservation.id} disappeared while locked`);
  const { changes, ...settled } = row;
  await recordInventoryEvents(tx, input.correlationId, stockChangedEvents(changes));
  return updated(settled, reservation);
}

function notFound(orderId: string): InventoryUserError {
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
    const reservation = await lockReservation(tx, orderId);
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
      reason: commitReason(reservation.locationKind),
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
      const reservation = await lockReservation(tx, input.orderId);
      if (!reservation) {
        const tombstone = await queryOne(tx, RECORD_TOMBSTONE, { orderId: input.orderId, reason });
        // Lost a race with a reserveStock of this order: release that reservation instead.
        if (!tombstone) continue;
        return {
          commit: true,
          result: { reservation: { ...tombstone, lines: [] }, errors: [], outcome: 'tombstone' },
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
    const reservation = await lockReservation(tx, input.orderId);
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
      reason: 'RETURN',
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
    const due = await queryRows(tx, LOCK_DUE_RESERVATIONS, { limit: input.batchSize });
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
