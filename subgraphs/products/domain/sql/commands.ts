import { sql } from '../../../kit/domain';

/** createProduct's two rule checks in one round trip. */
export const PRODUCT_RULES = sql<
  { sku: string; categoryId: string | null },
  { skuTaken: boolean; categoryFound: boolean }
>(
  `select exists (select 1 from products where sku = :sku) as "skuTaken",
          (:categoryId::text is null or exists (select 1 from categories where id = :categoryId::text)) as "categoryFound"`,
);
