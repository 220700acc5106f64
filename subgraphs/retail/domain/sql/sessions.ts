import { sql } from '../../../kit/domain';
import type { RegisterSession, SaleStatus, SessionTotals } from '../types';
import { SESSION } from './rows';

/** Register sessions (ADR 0022): the lean reads, the closing's checks and the register's history. */

export const SESSIONS_BY_IDS = sql<{ ids: readonly string[] }, RegisterSession>(
  `select ${SESSION.columns} from register_sessions where id = any(:ids::text[])`,
  { row: SESSION },
);

/** The open session of each register that has one (register_sessions_one_open: at most one). */
export const OPEN_SESSIONS_BY_REGISTERS = sql<{ registerIds: readonly string[] }, RegisterSession>(
  `select ${SESSION.columns} from register_sessions
    where register_id = any(:registerIds::text[]) and status = 'OPEN'`,
  { row: SESSION },
);

/**
 * What each session took and paid out in cash so far: its completed cash sales (a cancelled sale's
 * cash went back to the customer) and the cash refunds paid at its register (a failed return was
 * undone). One statement for any number of sessions.
 */
export const SESSION_TOTALS = sql<{ sessionIds: readonly string[] }, SessionTotals & { sessionId: string }>(
  `select s.id as "sessionId",
          coalesce(sa.cash, 0)::int as "cashSalesCents",
          coalesce(sa.completed, 0)::int as "salesCount",
          coalesce(re.cash, 0)::int as "cashRefundsCents"
     from register_sessions s
     left join lateral (
       select sum(total_cents) filter (where payment_method = 'CASH') as cash, count(*) as completed
         from sales where session_id = s.id and status = 'COMPLETED') sa on true
     left join lateral (
       select sum(refund_cents) as cash
         from returns where session_id = s.id and refund_method = 'CASH' and status <> 'FAILED') re on true
    where s.id = any(:sessionIds::text[])`,
);

/** Whether the register has an open session (openRegister answers REGISTER_ALREADY_OPEN before writing). */
export const REGISTER_IS_OPEN = sql<{ registerId: string }, { open: boolean }>(
  `select exists (select 1 from register_sessions where register_id = :registerId and status = 'OPEN') as open`,
);

/** Whether a sale of the session is still in one of `states` (its saga running): closing waits for it. */
export const SESSION_HAS_SALE_IN = sql<{ sessionId: string; states: readonly SaleStatus[] }, { busy: boolean }>(
  `select exists (select 1 from sales where session_id = :sessionId and status = any(:states::text[])) as busy`,
);

/**
 * Up to `limit` sessions of a register, newest opened first, after the keyset position (openedAt,
 * id): the row comparison matches ORDER BY exactly (register_sessions_register_idx), so a session
 * opened meanwhile never shifts what comes after a cursor.
 */
export const REGISTER_SESSIONS_PAGE = sql<
  { registerId: string; afterOpenedAt: Date | null; afterId: string | null; limit: number },
  RegisterSession
>(
  `select ${SESSION.columns} from register_sessions
    where register_id = :registerId
      and (:afterOpenedAt::timestamptz is null or (opened_at, id) < (:afterOpenedAt::timestamptz, :afterId::text))
    order by opened_at desc, id desc
    limit :limit`,
  { row: SESSION },
);

export const REGISTER_SESSIONS_COUNT = sql<{ registerId: string }, { count: number }>(
  `select count(*)::int as count from register_sessions where register_id = :registerId`,
);

// ---------- the demo history (seed.ts) ----------

/** A register's session opened at exactly this instant: how a resumed seed finds a day it began. */
export const SESSION_OPENED_AT = sql<{ registerId: string; openedAt: Date }, RegisterSession>(
  `select ${SESSION.columns} from register_sessions where register_id = :registerId and opened_at = :openedAt`,
  { row: SESSION },
);

/** The register's open session, if any. */
export const OPEN_SESSION_OF_REGISTER = sql<{ registerId: string }, RegisterSession>(
  `select ${SESSION.columns} from register_sessions where register_id = :registerId and status = 'OPEN'`,
  { row: SESSION },
);

/**
 * When the history began (the first session opened; timestamptz as text through MikroORM's parsers)
 * and how much of it is counted and closed.
 */
export const HISTORY_PROGRESS = sql<Record<string, never>, { firstOpenedAt: Date | string | null; closed: number }>(
  `select min(opened_at) as "firstOpenedAt", (count(*) filter (where status = 'CLOSED'))::int as closed
     from register_sessions`,
);
