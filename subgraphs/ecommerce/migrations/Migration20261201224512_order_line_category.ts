import { Migration } from '@mikro-orm/migrations';

/**
 * Each order line keeps its product's category as it was at checkout, so order.confirmed and
 * order.cancelled carry it without asking products later (docs/events.md). Lines written before
 * stay null (unclassified).
 */
export class Migration20261201224512OrderLineCategory extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "order_lines" add column "category_id" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "order_lines" drop column "category_id";`);
  }
}
