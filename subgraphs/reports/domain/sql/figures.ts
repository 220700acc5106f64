import { sql } from '../../../kit/domain';
import type { Channel } from '../types';

/**
 * The reads of the read models (ADR 0022), each ONE statement whatever the number of rows it sums.
 * Sums are bigint in SQL (pg hands them over as decimal strings) and exact integers once converted
 * (minor units; far below 2^53). Days are the chain's calendar days (YYYY-MM-DD).
 */

/** A sum as pg returns it: bigint as text, integer as a number, null over no row. */
export type Sum = string | number | null;

/** A period of days, both included, and a store or the whole chain (null). */
export interface ScopedPeriod {
  from: string;
  to: string;
  storeId: string | null;
}

/**
 * The period's days of one store, or of all when :storeId is null: PostgreSQL plans each statement
 * with its values, so the unused condition folds away and the store's index still serves.
 */
const IN_SCOPE = `day between :from::date and :to::date
     and (:storeId::text is null or store_id = :storeId)`;

/** Net figures of the rows summed, over daily_store_facts. */
const STORE_SUMS = `coalesce(sum(transactions), 0) as transactions,
  coalesce(sum(units - returned_units), 0) as units,
  coalesce(sum(gross_cents - refund_cents), 0) as revenue,
  coalesce(sum(returns), 0) as returns,
  coalesce(sum(refund_cents), 0) as refunds`;

export interface StoreSumsRow {
  transactions: Sum;
  units: Sum;
  revenue: Sum;
  returns: Sum;
  refunds: Sum;
}

/** Net figures of the rows summed, over daily_product_facts. */
const PRODUCT_SUMS = `sum(gross_cents - refund_cents) as revenue, sum(units - returned_units) as units,
  sum(returned_units) as returned`;

export interface ProductSumsRow {
  productId: string;
  revenue: Sum;
  units: Sum;
  returned: Sum;
}

/** One row of SALES_SUMMARY: which grouping it is (1 = that column is rolled up), then its sums. */
export interface SummaryRow extends StoreSumsRow {
  gChannel: number;
  gStore: number;
  gDay: number;
  channel: Channel | null;
  storeId: string | null;
  day: string | null;
}

/**
 * Totals, per channel, per store and per day in one pass (GROUPING SETS): the row with every
 * grouping rolled up is the total; the others are one slice each.
 */
export const SALES_SUMMARY = sql<ScopedPeriod, SummaryRow>(
  `select grouping(channel) as "gChannel", grouping(store_id) as "gStore", grouping(day) as "gDay",
          channel, store_id as "storeId", day::text as day,
          ${STORE_SUMS}
     from daily_store_facts
    where ${IN_SCOPE}
    group by grouping sets ((), (channel), (store_id), (day))`,
);

/** Revenue and units per category, highest revenue first. */
export const CATEGORY_FIGURES = sql<ScopedPeriod, { categoryId: string; revenue: Sum; units: Sum }>(
  `select category_id as "categoryId", sum(gross_cents - refund_cents) as revenue,
          sum(units - returned_units) as units
     from daily_product_facts
    where ${IN_SCOPE}
    group by category_id
    order by revenue desc, category_id`,
);

/**
 * The :limit products with the most net units, then revenue, then id. Only products that net a
 * sale in the period: one whose units were all cancelled or returned is not a "top product".
 */
export const TOP_PRODUCTS = sql<ScopedPeriod & { limit: number }, ProductSumsRow>(
  `select product_id as "productId", ${PRODUCT_SUMS}
     from daily_product_facts
    where ${IN_SCOPE}
    group by product_id
   having sum(units - returned_units) > 0
    order by units desc, revenue desc, product_id
    limit :limit`,
);

/** Figures of many products at once (Product.salesStats' loader); ids absent sold nothing. */
export const PRODUCTS_FIGURES = sql<ScopedPeriod & { productIds: readonly string[] }, ProductSumsRow>(
  `select product_id as "productId", ${PRODUCT_SUMS}
     from daily_product_facts
    where product_id = any(:productIds::text[]) and ${IN_SCOPE}
    group by product_id`,
);

/** Point-of-sale figures of many stores at once (Store.performance's loader). */
export const STORES_FIGURES = sql<
  { from: string; to: string; storeIds: readonly string[] },
  StoreSumsRow & { storeId: string }
>(
  `select store_id as "storeId", ${STORE_SUMS}
     from daily_store_facts
    where store_id = any(:storeIds::text[]) and channel = 'STORE' and day between :from::date and :to::date
    group by store_id`,
);

/** One day's figures per channel (the dashboard's). */
export const DAY_FIGURES = sql<{ day: string; storeId: string | null }, StoreSumsRow & { channel: Channel }>(
  `select channel, ${STORE_SUMS}
     from daily_store_facts
    where day = :day::date and (:storeId::text is null or store_id = :storeId)
    group by channel`,
);
