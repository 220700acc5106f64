import { sql } from '../../../kit/domain';
import type { ReturnLine, ReturnLineAsSold, Sale, SaleLine, SaleReturn } from '../types';
import { RETURN, RETURN_LINE, SALE, SALE_LINE } from './rows';

/**
 * Lean reads of sales and returns (ADR 0022) for the DataLoaders, the lists, the sagas and the
 * payloads. The sagas' own writes are theirs (sales.ts, returns.ts, cancel.ts, saga-runner.ts).
 */

export const SALES_BY_IDS = sql<{ ids: readonly string[] }, Sale>(
  `select ${SALE.columns} from sales where id = any(:ids::text[])`,
  { row: SALE },
);

export const SALE_BY_KEY = sql<{ storeId: string; idempotencyKey: string }, Sale>(
  `select ${SALE.columns} from sales where store_id = :storeId and idempotency_key = :idempotencyKey`,
  { row: SALE },
);

/** The sale with this receipt number (sales_number_unique). */
export const SALE_BY_NUMBER = sql<{ number: string }, Sale>(
  `select ${SALE.columns} from sales where number = :number`,
  { row: SALE },
);

/** Lines of the sales, in line order. */
export const SALE_LINES_BY_SALES = sql<{ saleIds: readonly string[] }, SaleLine>(
  `select ${SALE_LINE.columns} from sale_lines where sale_id = any(:saleIds::text[]) order by sale_id, line_no`,
  { row: SALE_LINE },
);

export const SALE_LINES_BY_IDS = sql<{ ids: readonly string[] }, SaleLine>(
  `select ${SALE_LINE.columns} from sale_lines where id = any(:ids::text[])`,
  { row: SALE_LINE },
);

/**
 * A store's sales list: those that happened (completed or cancelled), and when a period is given
 * (all three set, or all three null) those rung up from midnight of its first day to midnight after
 * its last, in `timeZone`.
 */
export interface SaleFilterParams {
  storeId: string;
  periodFrom: string | null;
  periodTo: string | null;
  timeZone: string | null;
}

const SALE_FILTER = `store_id = :storeId and status in ('COMPLETED', 'CANCELLED')
  and (:periodFrom::date is null or sold_at >= (:periodFrom::date)::timestamp at time zone :timeZone::text)
  and (:periodTo::date is null or sold_at < (:periodTo::date + 1)::timestamp at time zone :timeZone::text)`;

/**
 * Up to `limit` sales newest recorded first (seq descending) after the keyset `afterSeq`. Keyset, not
 * offset, so pages stay stable while sales are rung up.
 */
export const SALES_PAGE = sql<SaleFilterParams & { afterSeq: number | null; limit: number }, Sale>(
  `select ${SALE.columns} from sales
    where ${SALE_FILTER}
      and (:afterSeq::int is null or seq < :afterSeq::int)
    order by seq desc
    limit :limit`,
  { row: SALE },
);

export const SALES_COUNT = sql<SaleFilterParams, { count: number }>(
  `select count(*)::int as count from sales where ${SALE_FILTER}`,
);

// ---------- returns ----------

export const RETURNS_BY_IDS = sql<{ ids: readonly string[] }, SaleReturn>(
  `select ${RETURN.columns} from returns where id = any(:ids::text[])`,
  { row: RETURN },
);

export const RETURN_BY_KEY = sql<{ storeId: string; idempotencyKey: string }, SaleReturn>(
  `select ${RETURN.columns} from returns where store_id = :storeId and idempotency_key = :idempotencyKey`,
  { row: RETURN },
);

/** Returns of the sales, oldest first. */
export const RETURNS_BY_SALES = sql<{ saleIds: readonly string[] }, SaleReturn>(
  `select ${RETURN.columns} from returns where sale_id = any(:saleIds::text[]) order by sale_id, created_at, id`,
  { row: RETURN },
);

/** A return's lines with their sale lines' categories as sold, in sale line order (its sale.returned). */
export const RETURN_LINES_AS_SOLD = sql<{ returnId: string }, ReturnLineAsSold>(
  `select ${RETURN_LINE.columns}, sl.category_id as "categoryId"
     from return_lines rl join sale_lines sl on sl.id = rl.sale_line_id
    where rl.return_id = :returnId
    order by sl.line_no`,
);

/** Lines of the returns, in the order of the sale lines they come from. */
export const RETURN_LINES_BY_RETURNS = sql<{ returnIds: readonly string[] }, ReturnLine>(
  `select ${RETURN_LINE.columns}
     from return_lines rl join sale_lines sl on sl.id = rl.sale_line_id
    where rl.return_id = any(:returnIds::text[])
    order by rl.return_id, sl.line_no`,
  { row: RETURN_LINE },
);
