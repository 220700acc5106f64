import { Migration } from '@mikro-orm/migrations';

/**
 * Stores (issue 8): retail's returns put units back once per return id (stock_return and its lines),
 * and stores ask the central warehouse for stock (replenishment_request, its lines and its status
 * history). ADR 0017.
 */
export class Migration20251210000000ReturnsAndReplenishment extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table stock_return (
        return_id text primary key,
        location_id text not null constraint stock_return_location_id_fkey references location (id),
        reason text,
        actor text not null,
        created_at timestamptz not null default now()
      )`);
    this.addSql(`
      create table stock_return_line (
        return_id text not null
          constraint stock_return_line_return_id_fkey references stock_return (return_id) on delete cascade,
        product_id text not null,
        quantity integer not null constraint stock_return_line_quantity_positive check (quantity > 0),
        constraint stock_return_line_pkey primary key (return_id, product_id)
      )`);

    // Keyset of the request lists (newest first); gaps after rollbacks are harmless.
    this.addSql('create sequence replenishment_request_seq');
    this.addSql(`
      create table replenishment_request (
        id uuid primary key default gen_random_uuid(),
        seq bigint not null constraint replenishment_request_seq_unique unique,
        store_id text not null,
        source_location_id text not null
          constraint replenishment_request_source_location_id_fkey references location (id),
        destination_location_id text not null
          constraint replenishment_request_destination_location_id_fkey references location (id),
        status text not null
          constraint replenishment_request_status_check check (status in ('PENDING', 'APPROVED', 'REJECTED')),
        note text,
        requested_by text not null,
        decided_by text,
        decided_at timestamptz,
        rejection_reason text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint replenishment_request_decided_iff_not_pending
          check ((status = 'PENDING') = (decided_at is null) and (decided_at is null) = (decided_by is null)),
        constraint replenishment_request_reason_iff_rejected check ((status = 'REJECTED') = (rejection_reason is not null)),
        constraint replenishment_request_between_locations check (source_location_id <> destination_location_id)
      )`);
    // Store staff list their store's requests, head office a status (the pending queue), both newest first.
    this.addSql('create index replenishment_request_store_seq_idx on replenishment_request (store_id, seq desc)');
    this.addSql('create index replenishment_request_status_seq_idx on replenishment_request (status, seq desc)');

    this.addSql(`
      create table replenishment_line (
        request_id uuid not null
          constraint replenishment_line_request_id_fkey references replenishment_request (id) on delete cascade,
        product_id text not null,
        quantity integer not null constraint replenishment_line_quantity_positive check (quantity > 0),
        approved_quantity integer,
        constraint replenishment_line_pkey primary key (request_id, product_id),
        constraint replenishment_line_approved_within_quantity
          check (approved_quantity is null or (approved_quantity >= 0 and approved_quantity <= quantity))
      )`);

    this.addSql(`
      create table replenishment_event (
        id bigint generated always as identity primary key,
        request_id uuid not null
          constraint replenishment_event_request_id_fkey references replenishment_request (id) on delete cascade,
        status text not null
          constraint replenishment_event_status_check check (status in ('PENDING', 'APPROVED', 'REJECTED')),
        actor text not null,
        note text,
        created_at timestamptz not null default now()
      )`);
    this.addSql('create index replenishment_event_request_idx on replenishment_event (request_id, id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists replenishment_event');
    this.addSql('drop table if exists replenishment_line');
    this.addSql('drop table if exists replenishment_request');
    this.addSql('drop sequence if exists replenishment_request_seq');
    this.addSql('drop table if exists stock_return_line');
    this.addSql('drop table if exists stock_return');
  }
}
