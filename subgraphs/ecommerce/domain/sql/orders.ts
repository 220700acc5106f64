import { projection, sql } from '../../../kit/domain';
import { CheckoutSagaSchema, OrderLineSchema, OrderSchema, OrderStatusChangeSchema } from '../../entities';
import type { CheckoutSaga, Order, OrderLine, OrderStatusChange } from '../types';

/**
 * Reads of orders, their lines, history and checkout saga (ADR 0022). The writes of checkout and of
 * its saga live with them (domain/checkout.ts, domain/saga-runner.ts); shipping uses the unit of work.
 */

const ORDER = projection(OrderSchema);
const ORDER_LINE = projection(OrderLineSchema);
const STATUS_CHANGE = projection(OrderStatusChangeSchema);
/** checkout_sagas' rows, also the kit's saga store's (domain/saga-runner.ts). */
export const SAGA = projection(CheckoutSagaSchema);

export const ORDERS_BY_IDS = sql<{ ids: readonly string[] }, Order>(
  `select ${ORDER.columns} from orders where id = any(:ids::text[])`,
  { row: ORDER },
);

/** The order of an earlier checkout with this key (orders_idempotency_unique). */
export const ORDER_ID_BY_KEY = sql<{ customerId: string; idempotencyKey: string }, { id: string }>(
  'select id from orders where customer_id = :customerId and idempotency_key = :idempotencyKey',
);

/** Which orders a list shows; null is "any". */
export interface OrderListFilter {
  customerId: string | null;
  status: Order['status'] | null;
}

/**
 * The list's filter, one statement for every combination: a parameter that is null turns its
 * condition into `true` when PostgreSQL plans the statement with its values (a custom plan, as for
 * every unnamed statement), so one customer's orders still use orders_customer_seq_idx and one
 * status's orders_status_seq_idx.
 */
const ORDER_FILTER = `(:customerId::text is null or customer_id = :customerId)
     and (:status::text is null or status = :status)`;

/**
 * Up to :limit orders newest first, after the keyset :afterSeq (null: from the newest). Keyset, not
 * offset, so pages stay stable while orders are placed.
 */
export const ORDERS_PAGE = sql<OrderListFilter & { afterSeq: string | null; limit: number }, Order>(
  `select ${ORDER.columns} from orders
   where ${ORDER_FILTER}
     and (:afterSeq::bigint is null or seq < :afterSeq::bigint)
   order by seq desc
   limit :limit`,
  { row: ORDER },
);

export const COUNT_ORDERS = sql<OrderListFilter, { count: string }>(
  `select count(*) from orders where ${ORDER_FILTER}`,
);

/** Lines of the orders, in line order. */
export const ORDER_LINES_BY_ORDERS = sql<{ orderIds: readonly string[] }, OrderLine>(
  `select ${ORDER_LINE.columns} from order_lines where order_id = any(:orderIds::text[]) order by order_id, line_no`,
  { row: ORDER_LINE },
);

/** Status history of the orders, oldest first. */
export const HISTORY_BY_ORDERS = sql<{ orderIds: readonly string[] }, OrderStatusChange>(
  `select ${STATUS_CHANGE.columns} from order_status_changes where order_id = any(:orderIds::text[])
   order by order_id, id`,
  { row: STATUS_CHANGE },
);

export const SAGA_BY_ORDER = sql<{ orderId: string }, CheckoutSaga>(
  `select ${SAGA.columns} from checkout_sagas where order_id = :orderId`,
  { row: SAGA },
);
