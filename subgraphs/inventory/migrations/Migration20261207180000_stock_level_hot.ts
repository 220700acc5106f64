import { Migration } from '@mikro-orm/migrations';

/**
 * Stock changes become HOT updates (ADR 0031). The partial index stock_level_low_idx had its predicate
 * on on_hand and reserved, so every change of either was a new entry in all three indexes of the
 * table; its predicate is now the stored column is_low, which changes only when a level crosses its
 * reorder point. Fillfactor 85 leaves the room on each page that a HOT update needs. Adding a stored
 * generated column rewrites the table once (stock_level is one row per product and location).
 */
export class Migration20261207180000StockLevelHot extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table "stock_level" add column "is_low" boolean generated always as (on_hand - reserved <= reorder_point) stored;',
    );
    this.addSql('drop index "stock_level_low_idx";');
    this.addSql('create index stock_level_low_idx on stock_level (location_id, product_id) where is_low;');
    this.addSql('alter table "stock_level" set (fillfactor = 85);');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "stock_level" reset (fillfactor);');
    this.addSql('drop index "stock_level_low_idx";');
    this.addSql('alter table "stock_level" drop column "is_low";');
    this.addSql(
      'create index stock_level_low_idx on stock_level (location_id, product_id) where on_hand - reserved <= reorder_point;',
    );
  }
}
