import { Migration } from '@mikro-orm/migrations';

/**
 * Customers, addresses, carts, orders with their status history, and the persisted checkout saga.
 * Rules the database must hold whatever the code does live here: emails unique regardless of case,
 * one default address and one active cart per customer (partial unique indexes), quantities 1..999,
 * one order per (customer, idempotency key).
 */
export class Migration20251201000000Ecommerce extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table customers (
        id text primary key,
        email text not null,
        first_name text not null,
        last_name text not null,
        phone text,
        password_hash text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint customers_email_length check (length(email) between 3 and 254),
        constraint customers_first_name_length check (length(btrim(first_name)) between 1 and 100),
        constraint customers_last_name_length check (length(btrim(last_name)) between 1 and 100)
      );`);
    // Unique regardless of case: Alice@Example.com and alice@example.com are one account.
    this.addSql('create unique index customers_email_lower_unique on customers (lower(email));');

    this.addSql(`
      create table addresses (
        id text primary key,
        customer_id text not null references customers (id) on delete cascade,
        recipient text,
        line1 text not null,
        line2 text,
        city text not null,
        region text,
        postal_code text not null,
        country text not null,
        is_default boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint addresses_country_format check (country ~ '^[A-Z]{2}$')
      );`);
    this.addSql('create index addresses_customer_idx on addresses (customer_id, created_at, id);');
    // At most one default address per customer.
    this.addSql('create unique index addresses_one_default on addresses (customer_id) where is_default;');

    this.addSql(`
      create table carts (
        id text primary key,
        customer_id text not null references customers (id) on delete cascade,
        status text not null default 'ACTIVE',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint carts_status check (status in ('ACTIVE', 'ABANDONED'))
      );`);
    // Exactly one active cart per customer; older carts may be kept as ABANDONED.
    this.addSql("create unique index carts_one_active on carts (customer_id) where status = 'ACTIVE';");

    this.addSql(`
      create table cart_lines (
        id text primary key,
        cart_id text not null references carts (id) on delete cascade,
        product_id text not null,
        quantity integer not null,
        unit_price_cents integer not null,
        currency text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint cart_lines_product_unique unique (cart_id, product_id),
        constraint cart_lines_quantity check (quantity between 1 and 999),
        constraint cart_lines_price check (unit_price_cents >= 0)
      );`);

    // Human-readable order numbers W-000001, W-000002... (also orders.seq); gaps after rollbacks are harmless.
    this.addSql('create sequence order_number_seq;');

    this.addSql(`
      create table orders (
        id text primary key,
        seq bigint not null,
        number text not null,
        customer_id text not null references customers (id),
        status text not null,
        currency text not null,
        subtotal_cents integer not null,
        total_cents integer not null,
        shipping_address jsonb not null,
        billing_address jsonb not null,
        payment_brand text not null,
        payment_last4 text not null,
        idempotency_key text not null,
        cancel_reason text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint orders_seq_unique unique (seq),
        constraint orders_number_unique unique (number),
        constraint orders_idempotency_unique unique (customer_id, idempotency_key),
        constraint orders_status check (status in
          ('PENDING', 'STOCK_RESERVED', 'PAYMENT_AUTHORIZED', 'CONFIRMED', 'SHIPPED', 'CANCELLING', 'CANCELLED')),
        constraint orders_totals check (subtotal_cents >= 0 and total_cents >= 0),
        constraint orders_last4 check (payment_last4 ~ '^[0-9]{4}$')
      );`);
    // Keyset pagination newest first on seq (the number's integer, increasing with time): per customer,
    // all orders (the unique index on seq), and all orders of one status.
    this.addSql('create index orders_customer_seq_idx on orders (customer_id, seq desc);');
    this.addSql('create index orders_status_seq_idx on orders (status, seq desc);');

    this.addSql(`
      create table order_lines (
        id text primary key,
        order_id text not null references orders (id) on delete cascade,
        line_no integer not null,
        product_id text not null,
        quantity integer not null,
        unit_price_cents integer not null,
        currency text not null,
        constraint order_lines_no_unique unique (order_id, line_no),
        constraint order_lines_quantity check (quantity between 1 and 999),
        constraint order_lines_price check (unit_price_cents >= 0)
      );`);

    this.addSql(`
      create table order_status_changes (
        id bigint generated by default as identity primary key,
        order_id text not null references orders (id) on delete cascade,
        status text not null,
        at timestamptz not null default clock_timestamp(),
        note text
      );`);
    this.addSql('create index order_status_changes_order_idx on order_status_changes (order_id, id);');

    // The checkout saga of an order (and the cancellation that may follow it). state mirrors
    // orders.status except SHIPPED; owner + updated_at form a lease so that exactly one process
    // (the request that started it, or the recovery loop after a crash) drives a saga at a time.
    this.addSql(`
      create table checkout_sagas (
        order_id text primary key references orders (id) on delete cascade,
        state text not null,
        step text,
        compensate_from text,
        compensations_done text[] not null default '{}',
        attempts integer not null default 0,
        last_error text,
        failure_code text,
        payment_token text,
        payment_authorization_id text,
        owner text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint checkout_sagas_state check (state in
          ('PENDING', 'STOCK_RESERVED', 'PAYMENT_AUTHORIZED', 'CONFIRMED', 'CANCELLING', 'CANCELLED'))
      );`);
    // The recovery loop scans only unfinished sagas.
    this.addSql(
      "create index checkout_sagas_open_idx on checkout_sagas (updated_at) where state not in ('CONFIRMED', 'CANCELLED');",
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists checkout_sagas;');
    this.addSql('drop table if exists order_status_changes;');
    this.addSql('drop table if exists order_lines;');
    this.addSql('drop table if exists orders;');
    this.addSql('drop sequence if exists order_number_seq;');
    this.addSql('drop table if exists cart_lines;');
    this.addSql('drop table if exists carts;');
    this.addSql('drop table if exists addresses;');
    this.addSql('drop table if exists customers;');
  }
}
