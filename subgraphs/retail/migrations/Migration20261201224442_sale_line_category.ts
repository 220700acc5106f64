import { Migration } from '@mikro-orm/migrations';

/**
 * The category of each sale line as sold (products' lookup at the sale): sale.recorded,
 * sale.cancelled and sale.returned carry it (docs/events.md). Lines sold before this column existed
 * keep null, which the events contract reads as unclassified.
 */
export class Migration20261201224442SaleLineCategory extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "sale_lines" add column "category_id" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sale_lines" drop column "category_id";`);
  }
}
