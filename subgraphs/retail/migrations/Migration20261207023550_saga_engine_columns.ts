import { Migration } from '@mikro-orm/migrations';

/**
 * Sales and returns carry the kit saga engine's bookkeeping like checkout_sagas (ADR 0023): the state
 * an undo started from and the compensations done, and a return its step in flight. Rows caught
 * mid-saga by the upgrade get what the engine would have written: a FAILING sale undoes its
 * reservation (from STOCK_RESERVED), a CANCELLING one its completion, a PENDING return is restocking.
 */
export class Migration20261207023550SagaEngineColumns extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "sales" add column "compensate_from" text null, add column "compensations_done" text[] not null default '{}';`,
    );
    this.addSql(
      `alter table "returns" add column "step" text null, add column "compensate_from" text null, add column "compensations_done" text[] not null default '{}';`,
    );
    this.addSql(
      `update "sales" set "compensate_from" = case "status" when 'FAILING' then 'STOCK_RESERVED' else 'COMPLETED' end where "status" in ('FAILING', 'CANCELLING');`,
    );
    this.addSql(`update "returns" set "step" = 'RETURN_STOCK' where "status" = 'PENDING';`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "returns" drop column "step", drop column "compensate_from", drop column "compensations_done";`,
    );
    this.addSql(`alter table "sales" drop column "compensate_from", drop column "compensations_done";`);
  }
}
