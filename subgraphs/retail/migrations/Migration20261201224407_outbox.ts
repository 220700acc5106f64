import { Migration } from '@mikro-orm/migrations';

/**
 * The kit's transactional outbox (kit/outbox.ts, docs/events.md): retail's events are written here in
 * the transaction of the change they report, and the relay publishes them to `events:retail`. The
 * partial index keeps the relay's scan of pending rows small however long the retention.
 */
export class Migration20261201224407Outbox extends Migration {
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
