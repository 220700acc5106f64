import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/postgresql';
import { DEFAULT_CURRENCY, pgConstraint, pgErrorCode, legacyQueryOne, userError, type UserError } from '../../kit/domain';
import { RegisterSessionSchema } from '../entities';
import type { CloseRegisterInput, OpenRegisterInput } from '../generated/resolvers';
import { assertStaffAt } from './access';
import type { RetailContext } from './context';
import { recordRetailEvents, registerClosed } from './events';
import { registersByIds, sessionTotals, storeById } from './reads';
import { OPEN_STATES } from './sale-saga';
import type { CashRegister, RegisterSession, StoreView } from './types';
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
  errors: UserError[];
}

const refused = (errors: UserError[]): SessionResult => ({ session: null, errors });

/** The register and its store, for a staff member of that store (FORBIDDEN for another store's). */
async function registerFor(
  ctx: SessionContext,
  registerId: string,
): Promise<{ register: CashRegister; store: StoreView } | UserError> {
  const register = validId(registerId) ? (await registersByIds(ctx, [registerId]))[0] : undefined;
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
  if (
    await legacyQueryOne(ctx.em, "select 1 from register_sessions where register_id = ? and status = 'OPEN'", [
      found.register.id,
    ])
  ) {
    return alreadyOpen();
  }
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
    const busy = await legacyQueryOne(tx, 'select 1 from sales where session_id = ? and status = any(?::text[]) limit 1', [
      session.id,
      OPEN_STATES,
    ]);
    if (busy) return userError('SALES_IN_PROGRESS', 'A sale of this session is still being recorded; try again', field);
    const [totals] = await sessionTotals({ em: tx }, [session.id]);
    const cashSales = totals?.cashSalesCents ?? 0;
    const cashRefunds = totals?.cashRefundsCents ?? 0;
    const expected = session.openingFloatCents + cashSales - cashRefunds;
    session.status = 'CLOSED';
    session.closedBy = ctx.identity?.sub ?? 'system';
    session.closedAt = ctx.clock();
    session.cashSalesCents = cashSales;
    session.cashRefundsCents = cashRefunds;
    session.salesCount = totals?.salesCount ?? 0;
    session.expectedCashCents = expected;
    session.countedCashCents = counted.cents;
    session.differenceCents = counted.cents - expected;
    session.closingNote = input.note?.trim() || null;
    // register.closed after the session's row is written, in the closing's transaction.
    await tx.flush();
    await recordRetailEvents({ em: tx, requestId: ctx.requestId }, [registerClosed(session)]);
    return session;
  });
  if ('code' in outcome) return refused([outcome]);
  return { session: outcome, errors: [] };
}
