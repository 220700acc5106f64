import { sql } from '../../../kit/domain';
import type { Sale } from '../types';
import { RETURN, SALE } from './rows';
import type { SaleReturn } from '../types';

/**
 * The statements of the till's sagas (ADR 0022): recording a sale and a return, and the checks a
 * cancellation makes under the sale's lock. The saga rows' moves are written by the kit's saga engine.
 */

/** What recordSale needs of the till, and an earlier sale with the key, in one statement. */
export interface Till {
  storeId: string;
  storeNumber: number;
  storeActive: boolean;
  locationId: string;
  registerId: string | null;
  registerStoreId: string | null;
  registerActive: boolean | null;
  sessionId: string | null;
  existingSaleId: string | null;
}

export const FIND_TILL = sql<{ storeId: string; registerId: string; key: string }, Till>(
  `select s.id as "storeId", s.number as "storeNumber", s.active as "storeActive", s.location_id as "locationId",
          r.id as "registerId", r.store_id as "registerStoreId", r.active as "registerActive",
          rs.id as "sessionId", k.id as "existingSaleId"
     from stores s
     left join cash_registers r on r.id = :registerId
     left join register_sessions rs on rs.register_id = r.id and rs.status = 'OPEN'
     left join sales k on k.store_id = s.id and k.idempotency_key = :key
    where s.id = :storeId`,
);

/**
 * The sale and its lines in ONE statement, PENDING with its first step (TAKE_STOCK) recorded as in
 * flight. Conditional: the register's session must still be open (share lock: closing waits for
 * it), the number comes from the store's counter row in the same statement, and `on conflict do
 * nothing` on sales_idempotency_unique decides between concurrent duplicates. No row when the session
 * closed meanwhile or a concurrent call with the same key won.
 */
export const INSERT_SALE = sql<
  {
    sessionId: string;
    storeId: string;
    saleId: string;
    registerId: string;
    paymentMethod: string;
    currency: string;
    totalCents: number;
    soldAt: Date;
    recordedAt: Date;
    soldBy: string;
    key: string;
    owner: string;
    lineIds: string[];
    lineNos: number[];
    productIds: string[];
    quantities: number[];
    prices: number[];
    categoryIds: (string | null)[];
  },
  Sale
>(
  `with sess as (
     select id from register_sessions where id = :sessionId and status = 'OPEN' for share
   ), n as (
     -- the store's counter, only while the session is open
     update stores set sale_seq = sale_seq + 1 where id = :storeId and exists (select 1 from sess)
     returning number, sale_seq
   ), ins as (
     insert into sales (id, store_id, register_id, session_id, seq, number, status, payment_method, currency,
                        total_cents, sold_at, recorded_at, sold_by, idempotency_key, step, attempts, owner)
     select :saleId, :storeId, :registerId, :sessionId, n.sale_seq,
            'S' || n.number || '-' || lpad(n.sale_seq::text, greatest(6, length(n.sale_seq::text)), '0'),
            'PENDING', :paymentMethod, :currency, :totalCents, :soldAt, :recordedAt, :soldBy, :key,
            'TAKE_STOCK', 1, :owner
       from n
     on conflict (store_id, idempotency_key) do nothing
     returning *
   ), lines as (
     insert into sale_lines (id, sale_id, line_no, product_id, quantity, unit_price_cents, currency, category_id)
     select t.id, ins.id, t.no, t.product_id, t.quantity, t.price, ins.currency, t.category_id
       from ins cross join unnest(:lineIds::text[], :lineNos::int[], :productIds::text[], :quantities::int[],
                                  :prices::int[], :categoryIds::text[])
            as t(id, no, product_id, quantity, price, category_id)
   )
   select ${SALE.columns} from ins`,
  { row: SALE },
);

/** The sale's status under its row lock: returns and cancellations of one sale take turns. */
export const LOCK_SALE = sql<{ saleId: string }, { status: string }>(
  'select status from sales where id = :saleId for update',
);

/** A return of the sale that counts (not undone). */
export const SALE_HAS_RETURNS = sql<{ saleId: string }, { found: number }>(
  "select 1 as found from returns where sale_id = :saleId and status <> 'FAILED' limit 1",
);

/** The session, share-locked while open: closing the register waits for the change in progress. */
export const OPEN_SESSION_BY_ID = sql<{ sessionId: string }, { id: string }>(
  "select id from register_sessions where id = :sessionId and status = 'OPEN' for share",
);

/** The register's open session, share-locked (a return is paid from its drawer). */
export const OPEN_SESSION_OF_REGISTER = sql<{ registerId: string }, { id: string }>(
  "select id from register_sessions where register_id = :registerId and status = 'OPEN' for share",
);

/** The conditional UPDATE is the rule: a line is raised only while returned + asked <= sold. */
export const RAISE_RETURNED = sql<{ saleId: string; ids: string[]; quantities: number[] }, { id: string }>(
  `update sale_lines sl set returned_quantity = sl.returned_quantity + t.quantity
     from unnest(:ids::text[], :quantities::int[]) as t(id, quantity)
    where sl.id = t.id and sl.sale_id = :saleId and sl.returned_quantity + t.quantity <= sl.quantity
    returning sl.id`,
);

/** A return undone by inventory's refusal gives its units back to the sale's lines. */
export const LOWER_RETURNED_PART = `lowered as (update sale_lines sl set returned_quantity = sl.returned_quantity - rl.quantity
     from return_lines rl, moved where rl.return_id = moved.id and rl.sale_line_id = sl.id)`;

/**
 * The return and its lines in one statement, PENDING with its step (RETURN_STOCK) recorded as in
 * flight; `on conflict do nothing` on returns_idempotency_unique decides between concurrent duplicates.
 */
export const INSERT_RETURN = sql<
  {
    returnId: string;
    saleId: string;
    storeId: string;
    registerId: string;
    sessionId: string;
    refundMethod: string;
    refundCents: number;
    currency: string;
    reason: string | null;
    returnedBy: string;
    key: string;
    owner: string;
    lineIds: string[];
    saleLineIds: string[];
    productIds: string[];
    quantities: number[];
    refunds: number[];
  },
  SaleReturn
>(
  `with ins as (
     insert into returns (id, sale_id, store_id, register_id, session_id, status, refund_method, refund_cents,
                          currency, reason, returned_by, idempotency_key, owner, step, attempts)
     values (:returnId, :saleId, :storeId, :registerId, :sessionId, 'PENDING', :refundMethod, :refundCents,
             :currency, :reason, :returnedBy, :key, :owner, 'RETURN_STOCK', 1)
     on conflict (store_id, idempotency_key) do nothing
     returning *
   ), lines as (
     insert into return_lines (id, return_id, sale_line_id, product_id, quantity, refund_cents)
     select t.id, ins.id, t.sale_line_id, t.product_id, t.quantity, t.refund
       from ins cross join unnest(:lineIds::text[], :saleLineIds::text[], :productIds::text[], :quantities::int[],
                                  :refunds::int[])
            as t(id, sale_line_id, product_id, quantity, refund)
   )
   select ${RETURN.columns} from ins`,
  { row: RETURN },
);
