import { Migration } from '@mikro-orm/migrations';

/**
 * Locations, stock levels, the stock audit trail and reservations. The CHECK constraints are the
 * last line of defence against overselling: even a buggy statement cannot make reserved exceed
 * on_hand or either go negative.
 */
export class Migration20251122000000InventoryInit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table location (
        id text primary key,
        name text not null,
        kind text not null constraint location_kind_check check (kind in ('WAREHOUSE', 'STORE', 'ONLINE')),
        store_id text constraint location_store_id_unique unique,
        created_at timestamptz not null default now(),
        constraint location_store_iff_store_kind check ((kind = 'STORE') = (store_id is not null))
      )`);

    this.addSql(`
      create table stock_level (
        product_id text not null,
        location_id text not null references location (id),
        on_hand integer not null default 0,
        reserved integer not null default 0,
        reorder_point integer not null default 0,
        updated_at timestamptz not null default now(),
        constraint stock_level_pkey primary key (product_id, location_id),
        constraint stock_level_on_hand_non_negative check (on_hand >= 0),
        constraint stock_level_reserved_non_negative check (reserved >= 0),
        constraint stock_level_reserved_within_on_hand check (reserved <= on_hand),
        constraint stock_level_reorder_point_non_negative check (reorder_point >= 0)
      )`);
    // Store pages walk one location in product order; the partial index serves lowOnly pages and
    // lowStock without scanning healthy levels.
    this.addSql('create index stock_level_location_product_idx on stock_level (location_id, product_id)');
    this.addSql(
      'create index stock_level_low_idx on stock_level (location_id, product_id) where on_hand - reserved <= reorder_point',
    );

    this.addSql(`
      create table stock_movement (
        id bigint generated always as identity primary key,
        product_id text not null,
        location_id text not null references location (id),
        on_hand_delta integer not null,
        reserved_delta integer not null,
        reason text not null constraint stock_movement_reason_check check (reason in (
          'ADJUSTMENT', 'RECEIPT', 'SALE', 'RETURN', 'DAMAGE', 'TRANSFER_IN', 'TRANSFER_OUT',
          'RESERVATION', 'RESERVATION_RELEASED', 'RESERVATION_EXPIRED', 'RESERVATION_COMMITTED')),
        reference text,
        note text,
        actor text not null,
        created_at timestamptz not null default now(),
        constraint stock_movement_changes_something check (on_hand_delta <> 0 or reserved_delta <> 0)
      )`);
    this.addSql('create index stock_movement_product_idx on stock_movement (product_id, id desc)');
    this.addSql('create index stock_movement_location_idx on stock_movement (location_id, id desc)');
    this.addSql('create index stock_movement_reference_idx on stock_movement (reference) where reference is not null');

    this.addSql(`
      create table reservation (
        id uuid primary key default gen_random_uuid(),
        order_id text not null constraint reservation_order_id_unique unique,
        location_id text references location (id),
        status text not null constraint reservation_status_check check (status in ('PENDING', 'COMMITTED', 'RELEASED', 'EXPIRED')),
        expires_at timestamptz not null,
        release_reason text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql("create index reservation_pending_expiry_idx on reservation (expires_at) where status = 'PENDING'");

    this.addSql(`
      create table reservation_line (
        reservation_id uuid not null references reservation (id) on delete cascade,
        product_id text not null,
        quantity integer not null constraint reservation_line_quantity_positive check (quantity > 0),
        constraint reservation_line_pkey primary key (reservation_id, product_id)
      )`);

    // Reference data every environment needs: reserveStock defaults to the online location.
    this.addSql(`
      insert into location (id, name, kind, store_id) values
        ('loc-warehouse', 'Central warehouse', 'WAREHOUSE', null),
        ('loc-online', 'Online fulfilment', 'ONLINE', null)
      on conflict (id) do nothing`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists reservation_line');
    this.addSql('drop table if exists reservation');
    this.addSql('drop table if exists stock_movement');
    this.addSql('drop table if exists stock_level');
    this.addSql('drop table if exists location');
  }
}
