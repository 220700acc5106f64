import { Migration } from '@mikro-orm/migrations';

/**
 * RESTOCKED reservations: a committed order that is cancelled gets its units back on hand through
 * restockOrder (ecommerce's cancelOrder compensation).
 */
export class Migration20251201000000ReservationRestocked extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table reservation drop constraint reservation_status_check');
    this.addSql(
      "alter table reservation add constraint reservation_status_check check (status in ('PENDING', 'COMMITTED', 'RELEASED', 'EXPIRED', 'RESTOCKED'))",
    );
  }

  override async down(): Promise<void> {
    this.addSql('alter table reservation drop constraint reservation_status_check');
    this.addSql(
      "alter table reservation add constraint reservation_status_check check (status in ('PENDING', 'COMMITTED', 'RELEASED', 'EXPIRED'))",
    );
  }
}
