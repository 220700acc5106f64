import { Migration } from '@mikro-orm/migrations';

/**
 * Stock taken in one step (takeStock): its reservation row is written COMMITTED with `taken` true,
 * so a replay of the take is told from an order id a plain reservation (reserveStock) already used.
 * A take can only be COMMITTED, or RESTOCKED once the order or sale is cancelled.
 */
export class Migration20261207035927ReservationTaken extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "reservation" add column "taken" boolean not null default false;');
    this.addSql(
      "alter table \"reservation\" add constraint reservation_taken_committed check(taken = false or status = 'COMMITTED' or status = 'RESTOCKED');",
    );
  }

  override async down(): Promise<void> {
    this.addSql('alter table "reservation" drop constraint reservation_taken_committed;');
    this.addSql('alter table "reservation" drop column "taken";');
  }
}
