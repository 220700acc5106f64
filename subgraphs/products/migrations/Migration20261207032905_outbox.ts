import { Migration } from '@mikro-orm/migrations';

/**
 * The transactional outbox (kit/outbox.ts, docs/events.md): product.created, product.updated and
 * product.price_changed, written in the transaction of each catalogue change and published to
 * `<REDIS_PREFIX>events:products` by the relay every products process runs.
 */
export class Migration20261207032905Outbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "outbox" ("seq" bigserial primary key, "id" uuid not null, "type" text not null, "version" integer not null, "aggregate_type" text not null, "aggregate_id" text not null, "correlation_id" text null, "occurred_at" timestamptz not null, "data" jsonb not null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, "stream_id" text null);`,
    );
    this.addSql(`alter table "outbox" add constraint "outbox_id_unique" unique ("id");`);
    this.addSql(`create index "outbox_pending_idx" on "outbox" ("seq") where published_at is null;`);
    this.addSql(`create index "outbox_published_at_idx" on "outbox" ("published_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "outbox" cascade;`);
  }
}
