import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/postgresql';
import { DEFAULT_CURRENCY, pgConstraint, pgErrorCode, queryOne, type CallerContext } from '../../kit/domain';
import { RegisterSessionSchema } from '../entities';
import type { CloseRegisterInput, OpenRegisterInput } from '../generated/resolvers';
import { assertCanReadStore, assertStaffAt } from './access';
import type { RetailContext } from './context';
import { userError, type RetailUserError } from './errors';
import { recordRetailEvents, registerClosed } from './events';
import { registerById, sessionTotals, storeById } from './reads';
import { OPEN_STATES } from './sale-saga';
import { REGISTER_IS_OPEN, SESSION_HAS_SALE_IN } from './sql/sessions';
import type { CashRegister, RegisterSession, SessionTotals, StoreView } from './types';
import { checkReason, parseCash, validId } from './validation';

/**
 * Register sessions: openRegister puts a float in the drawer, closeRegister counts it. The expected
 * cash is the float plus the session's completed cash sales minus the cash refunds paid at the
 * register; the difference (counted minus expected) is frozen on the session with the figures.
 * Sales insert under a share lock of their open session (sales.ts), closing takes it exclusively, so
 * no sale slips into a session being closed.
 */

export const MAX_FLOAT_CENTS = 10_000_000;
export const MAX_COUNTED_CENTS = 100_000_000;

type SessionContext = Pick<RetailContext, 'em' | 'identity' | 'clock' | 'requestId'>;

export interface SessionResult {
  session: RegisterSession | null;
  errors: RetailUserError[];
}

const refused = (errors: RetailUserError[]): SessionResult => ({ session: null, errors });

// ---------- the cash figures ----------

/** A session's cash: what it took and paid out, and what the drawer should hold. */
export interface CashFigures extends SessionTotals {
  expectedCashCents: number;
}

const NOTHING_YET: SessionTotals = { cashSalesCents: 0, cashRefundsCents: 0, salesCount: 0 };

/** The cash the drawer should hold: the opening float plus cash sales minus cash refunds. */
export function expectedCash(openingFloatCents: number, totals: SessionTotals): number {
  return openingFloatCents + totals.cashSalesCents - totals.cashRefundsCents;
}

/**
 * A session's figures: frozen on the row once it is closed (what closeRegister counted against),
 * computed from its sales and refunds so far while it is open (`live` reads them, only then).
 */
export async function cashFigures(
  session: RegisterSession,
  live: () => Promise<SessionTotals | null>,
): Promise<CashFigures> {
  if (session.status === 'CLOSED') {
    const frozen: SessionTotals = {
      cashSalesCents: session.cashSalesCents ?? 0,
      cashRefundsCents: session.cashRefundsCents ?? 0,
      salesCount: session.salesCount ?? 0,
    };
    // register_sessions_closed_figures: a closed session always carries its expected cash.
    return {
      ...frozen,
      expectedCashCents: session.expectedCashCents ?? expectedCash(session.openingFloatCents, frozen),
    };
  }
  const totals = (await live()) ?? NOTHING_YET;
  return {
    cashSalesCents: totals.cashSalesCents,
    cashRefundsCents: totals.cashRefundsCents,
    salesCount: totals.salesCount,
    expectedCashCents: expectedCash(session.openingFloatCents, totals),
  };
}

// ---------- a register's history ----------

/**
 * The register whose history (its sessions, newest opened first: registerSessionsPage and
 * countRegisterSessions) the caller asks for: for its store's staff, ADMIN and services (FORBIDDEN
 * for another store's staff); null for an unknown register, which has no sessions.
 */
export async function historyRegister(ctx: CallerContext, registerId: string): Promise<CashRegister | null> {
  const register = validId(registerId) ? await registerById(ctx, registerId) : null;
  if (register) assertCanReadStore(ctx, register.storeId);
  return register;
}

// ---------- opening and closing ----------

/** The register and its store, for a staff member of that store (FORBIDDEN for another store's). */
async function registerFor(
  ctx: SessionContext,
  registerId: string,
): Promise<{ register: CashRegister; store: StoreView } | RetailUserError> {
  const register = validId(registerId) ? await registerById(ctx, registerId) : null;
  const store = register ? await storeById(ctx, register.storeId) : null;
  if (!register || !store) {
    return userError('UNKNOWN_REGISTER', `No register with id ${registerId}`, ['input', 'registerId']);
  }
  assertStaffAt(ctx, store.id);
  return { register, store };
}

export async function openRegister(ctx: SessionContext, input: OpenRegisterInput): Promise<SessionResult> {
  const float = parseCash(input.openingFloat, ['input', 'openingFloat'], MAX_FLOAT_CENTS);
  const found = await registerFor(ctx, input.registerId);
  if ('code' in found) return refused([found, ...(float.error ? [float.error] : [])]);
  if (float.error) return refused([float.error]);
  const field = ['input', 'registerId'];
  if (!found.store.active) return refused([userError('STORE_INACTIVE', 'The store is closed', field)]);
  if (!found.register.active) return refused([userError('REGISTER_INACTIVE', 'The register is out of service', field)]);
  const alreadyOpen = () => refused([userError('REGISTER_ALREADY_OPEN', 'The register is already open', field)]);
  if ((await queryOne(ctx.em, REGISTER_IS_OPEN, { registerId: found.register.id }))?.open) return alreadyOpen();
  const now = new Date();
  try {
    const session = await ctx.em.transactional(async (tx) =>
      tx.create(RegisterSessionSchema, {
        id: randomUUID(),
        registerId: found.register.id,
        storeId: found.store.id,
        status: 'OPEN',
        currency: DEFAULT_CURRENCY,
        openingFloatCents: float.cents,
        openedBy: ctx.identity?.sub ?? 'system',
        openedAt: ctx.clock(),
        closedBy: null,
        closedAt: null,
        cashSalesCents: null,
        cashRefundsCents: null,
        expectedCashCents: null,
        countedCashCents: null,
        differenceCents: null,
        salesCount: null,
        closingNote: null,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return { session, errors: [] };
  } catch (err) {
    // Two clerks opening the same till at once: the partial unique index decides.
    if (pgErrorCode(err) === '23505' && pgConstraint(err) === 'register_sessions_one_open') return alreadyOpen();
    throw err;
  }
}

export async function closeRegister(ctx: SessionContext, input: CloseRegisterInput): Promise<SessionResult> {
  const counted = parseCash(input.countedCash, ['input', 'countedCash'], MAX_COUNTED_CENTS);
  const note = checkReason(input.note, ['input', 'note'], { required: false, code: 'INVALID_NOTE', label: 'Note' });
  const found = await registerFor(ctx, input.registerId);
  const errors = [
    ...('code' in found ? [found] : []),
    ...(counted.error ? [counted.error] : []),
    ...(note ? [note] : []),
  ];
  if (errors.length || 'code' in found || counted.cents === null) return refused(errors);
  const field = ['input', 'registerId'];

  const outcome = await ctx.em.transactional(async (tx) => {
    const session = await tx.findOne(
      RegisterSessionSchema,
      { registerId: found.register.id, status: 'OPEN' },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!session) return userError('REGISTER_CLOSED', 'The register is not open', field);
    // A sale still taking its stock (or being cancelled) would change the figures after they are frozen.
    const busy = await queryOne(tx, SESSION_HAS_SALE_IN, { sessionId: session.id, states: OPEN_STATES });
    if (busy?.busy)
      return userError('SALES_IN_PROGRESS', 'A sale of this session is still being recorded; try again', field);
    const figures = await cashFigures(session, async () => (await sessionTotals({ em: tx }, [session.id]))[0] ?? null);
    session.status = 'CLOSED';
    session.closedBy = ctx.identity?.sub ?? 'system';
    session.closedAt = ctx.clock();
    session.cashSalesCents = figures.cashSalesCents;
    session.cashRefundsCents = figures.cashRefundsCents;
    session.salesCount = figures.salesCount;
    session.expectedCashCents = figures.expectedCashCents;
    session.countedCashCents = counted.cents;
    session.differenceCents = counted.cents - figures.expectedCashCents;
    session.closingNote = input.note?.trim() || null;
    // register.closed after the session's row is written, in the closing's transaction.
    await tx.flush();
    await recordRetailEvents({ em: tx, requestId: ctx.requestId }, [registerClosed(session)]);
    return session;
  });
  if ('code' in outcome) return refused([outcome]);
  return { session: outcome, errors: [] };
}
