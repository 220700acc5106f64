import { Migration } from '@mikro-orm/migrations';

/**
 * Stores, cash registers, staff accounts, register sessions, sales with their lines and saga
 * bookkeeping, returns with theirs. Rules the database must hold whatever the code does live here:
 * store names and staff emails unique regardless of case, one open session per register, one sale
 * and one return per (store, idempotency key), quantities 1..999, never more returned than sold.
 */
export class Migration20261201000000Retail extends Migration {
  override async up(): Promise<void> {
    // Numbers of new stores (createStore skips those the demo stores already use); gaps are harmless.
    this.addSql('create sequence store_number_seq;');
    this.addSql(
      `create table "stores" ("id" text not null, "number" integer not null, "name" text not null, "address" text not null, "city" text not null, "phone" text null, "time_zone" text not null default 'America/Toronto', "opening_hours" jsonb not null default '[]', "manager_id" text null, "location_id" text not null, "active" boolean not null default true, "sale_seq" integer not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "stores_pkey" primary key ("id"), constraint stores_number_positive check (number >= 1), constraint stores_sale_seq_non_negative check (sale_seq >= 0));`,
    );
    this.addSql(`alter table "stores" add constraint "stores_number_unique" unique ("number");`);
    this.addSql(`alter table "stores" add constraint "stores_location_unique" unique ("location_id");`);
    this.addSql(`create unique index stores_name_lower_unique on stores (lower(name));`);

    this.addSql(
      `create table "employees" ("id" text not null, "name" text not null, "email" text not null, "role" text check ("role" in ('CLERK', 'MANAGER', 'ADMIN')) not null, "store_id" text null, "active" boolean not null default true, "password_hash" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "employees_pkey" primary key ("id"), constraint employees_store_by_role check ((role = 'ADMIN'::text) = (store_id IS NULL)));`,
    );
    this.addSql(`create unique index employees_email_lower_unique on employees (lower(email));`);
    this.addSql(`create index "employees_store_name_idx" on "employees" ("store_id", "name", "id");`);

    this.addSql(
      `create table "cash_registers" ("id" text not null, "store_id" text not null, "number" integer not null, "active" boolean not null default true, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "cash_registers_pkey" primary key ("id"), constraint cash_registers_number_range check (number >= 1 and number <= 50));`,
    );
    this.addSql(
      `alter table "cash_registers" add constraint "cash_registers_store_number_unique" unique ("store_id", "number");`,
    );

    this.addSql(
      `create table "register_sessions" ("id" text not null, "register_id" text not null, "store_id" text not null, "status" text check ("status" in ('OPEN', 'CLOSED')) not null default 'OPEN', "currency" text not null, "opening_float_cents" integer not null, "opened_by" text not null, "opened_at" timestamptz not null, "closed_by" text null, "closed_at" timestamptz null, "cash_sales_cents" integer null, "cash_refunds_cents" integer null, "expected_cash_cents" integer null, "counted_cash_cents" integer null, "difference_cents" integer null, "sales_count" integer null, "closing_note" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "register_sessions_pkey" primary key ("id"), constraint register_sessions_float_non_negative check (opening_float_cents >= 0), constraint register_sessions_closed_figures check ((status = 'CLOSED'::text) = (closed_at IS NOT NULL AND counted_cash_cents IS NOT NULL AND expected_cash_cents IS NOT NULL)));`,
    );
    this.addSql(
      `create unique index register_sessions_one_open on register_sessions (register_id) where status = 'OPEN';`,
    );
    this.addSql(`create index "register_sessions_register_idx" on "register_sessions" ("register_id", "opened_at");`);

    this.addSql(
      `create table "sales" ("id" text not null, "store_id" text not null, "register_id" text not null, "session_id" text not null, "seq" integer not null, "number" text not null, "status" text check ("status" in ('PENDING', 'STOCK_RESERVED', 'COMPLETED', 'FAILING', 'FAILED', 'CANCELLING', 'CANCELLED')) not null, "payment_method" text check ("payment_method" in ('CASH', 'CARD')) not null, "currency" text not null, "total_cents" integer not null, "sold_at" timestamptz not null, "recorded_at" timestamptz not null, "sold_by" text not null, "idempotency_key" text not null, "step" text null, "attempts" integer not null default 0, "owner" text null, "last_error" text null, "failure_code" text null, "cancel_reason" text null, "cancelled_by" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "sales_pkey" primary key ("id"), constraint sales_total_non_negative check (total_cents >= 0));`,
    );
    this.addSql(`create index "sales_store_sold_at_idx" on "sales" ("store_id", "sold_at");`);
    this.addSql(`create index "sales_session_idx" on "sales" ("session_id");`);
    this.addSql(
      `create index sales_open_idx on sales (updated_at) where status in ('PENDING', 'STOCK_RESERVED', 'FAILING', 'CANCELLING');`,
    );
    this.addSql(`alter table "sales" add constraint "sales_store_seq_unique" unique ("store_id", "seq");`);
    this.addSql(`alter table "sales" add constraint "sales_number_unique" unique ("number");`);
    this.addSql(
      `alter table "sales" add constraint "sales_idempotency_unique" unique ("store_id", "idempotency_key");`,
    );

    this.addSql(
      `create table "returns" ("id" text not null, "sale_id" text not null, "store_id" text not null, "register_id" text not null, "session_id" text not null, "status" text check ("status" in ('PENDING', 'COMPLETED', 'FAILED')) not null, "refund_method" text check ("refund_method" in ('CASH', 'CARD')) not null, "refund_cents" integer not null, "currency" text not null, "reason" text null, "returned_by" text not null, "idempotency_key" text not null, "owner" text null, "attempts" integer not null default 0, "last_error" text null, "failure_code" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "returns_pkey" primary key ("id"), constraint returns_refund_non_negative check (refund_cents >= 0));`,
    );
    this.addSql(`create index "returns_sale_idx" on "returns" ("sale_id", "created_at");`);
    this.addSql(`create index "returns_session_idx" on "returns" ("session_id");`);
    this.addSql(`create index returns_pending_idx on returns (updated_at) where status = 'PENDING';`);
    this.addSql(
      `alter table "returns" add constraint "returns_idempotency_unique" unique ("store_id", "idempotency_key");`,
    );

    this.addSql(
      `create table "sale_lines" ("id" text not null, "sale_id" text not null, "line_no" integer not null, "product_id" text not null, "quantity" integer not null, "unit_price_cents" integer not null, "currency" text not null, "returned_quantity" integer not null default 0, constraint "sale_lines_pkey" primary key ("id"), constraint sale_lines_quantity check (quantity >= 1 and quantity <= 999), constraint sale_lines_price check (unit_price_cents >= 0), constraint sale_lines_returned check (returned_quantity >= 0 and returned_quantity <= quantity));`,
    );
    this.addSql(`alter table "sale_lines" add constraint "sale_lines_no_unique" unique ("sale_id", "line_no");`);
    this.addSql(
      `alter table "sale_lines" add constraint "sale_lines_product_unique" unique ("sale_id", "product_id");`,
    );

    this.addSql(
      `create table "return_lines" ("id" text not null, "return_id" text not null, "sale_line_id" text not null, "product_id" text not null, "quantity" integer not null, "refund_cents" integer not null, constraint "return_lines_pkey" primary key ("id"), constraint return_lines_quantity check (quantity >= 1 and quantity <= 999), constraint return_lines_refund check (refund_cents >= 0));`,
    );
    this.addSql(`create index "return_lines_sale_line_idx" on "return_lines" ("sale_line_id");`);
    this.addSql(
      `alter table "return_lines" add constraint "return_lines_sale_line_unique" unique ("return_id", "sale_line_id");`,
    );

    this.addSql(
      `alter table "stores" add constraint "stores_manager_id_fkey" foreign key ("manager_id") references "employees" ("id") on update no action on delete set null;`,
    );

    this.addSql(
      `alter table "employees" add constraint "employees_store_id_fkey" foreign key ("store_id") references "stores" ("id") on update no action on delete no action;`,
    );

    this.addSql(
      `alter table "cash_registers" add constraint "cash_registers_store_id_fkey" foreign key ("store_id") references "stores" ("id") on update no action on delete no action;`,
    );

    this.addSql(
      `alter table "register_sessions" add constraint "register_sessions_register_id_fkey" foreign key ("register_id") references "cash_registers" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "register_sessions" add constraint "register_sessions_store_id_fkey" foreign key ("store_id") references "stores" ("id") on update no action on delete no action;`,
    );

    this.addSql(
      `alter table "sales" add constraint "sales_store_id_fkey" foreign key ("store_id") references "stores" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "sales" add constraint "sales_register_id_fkey" foreign key ("register_id") references "cash_registers" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "sales" add constraint "sales_session_id_fkey" foreign key ("session_id") references "register_sessions" ("id") on update no action on delete no action;`,
    );

    this.addSql(
      `alter table "returns" add constraint "returns_sale_id_fkey" foreign key ("sale_id") references "sales" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "returns" add constraint "returns_store_id_fkey" foreign key ("store_id") references "stores" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "returns" add constraint "returns_register_id_fkey" foreign key ("register_id") references "cash_registers" ("id") on update no action on delete no action;`,
    );
    this.addSql(
      `alter table "returns" add constraint "returns_session_id_fkey" foreign key ("session_id") references "register_sessions" ("id") on update no action on delete no action;`,
    );

    this.addSql(
      `alter table "sale_lines" add constraint "sale_lines_sale_id_fkey" foreign key ("sale_id") references "sales" ("id") on update no action on delete cascade;`,
    );

    this.addSql(
      `alter table "return_lines" add constraint "return_lines_return_id_fkey" foreign key ("return_id") references "returns" ("id") on update no action on delete cascade;`,
    );
    this.addSql(
      `alter table "return_lines" add constraint "return_lines_sale_line_id_fkey" foreign key ("sale_line_id") references "sale_lines" ("id") on update no action on delete no action;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "employees" drop constraint "employees_store_id_fkey";`);

    this.addSql(`alter table "cash_registers" drop constraint "cash_registers_store_id_fkey";`);

    this.addSql(`alter table "register_sessions" drop constraint "register_sessions_store_id_fkey";`);

    this.addSql(`alter table "sales" drop constraint "sales_store_id_fkey";`);

    this.addSql(`alter table "returns" drop constraint "returns_store_id_fkey";`);

    this.addSql(`alter table "stores" drop constraint "stores_manager_id_fkey";`);

    this.addSql(`alter table "register_sessions" drop constraint "register_sessions_register_id_fkey";`);

    this.addSql(`alter table "sales" drop constraint "sales_register_id_fkey";`);

    this.addSql(`alter table "returns" drop constraint "returns_register_id_fkey";`);

    this.addSql(`alter table "sales" drop constraint "sales_session_id_fkey";`);

    this.addSql(`alter table "returns" drop constraint "returns_session_id_fkey";`);

    this.addSql(`alter table "returns" drop constraint "returns_sale_id_fkey";`);

    this.addSql(`alter table "sale_lines" drop constraint "sale_lines_sale_id_fkey";`);

    this.addSql(`alter table "return_lines" drop constraint "return_lines_return_id_fkey";`);

    this.addSql(`alter table "return_lines" drop constraint "return_lines_sale_line_id_fkey";`);

    this.addSql(`drop table if exists "stores" cascade;`);

    this.addSql(`drop table if exists "employees" cascade;`);

    this.addSql(`drop table if exists "cash_registers" cascade;`);

    this.addSql(`drop table if exists "register_sessions" cascade;`);

    this.addSql(`drop table if exists "sales" cascade;`);

    this.addSql(`drop table if exists "returns" cascade;`);

    this.addSql(`drop table if exists "sale_lines" cascade;`);

    this.addSql(`drop table if exists "return_lines" cascade;`);

    this.addSql('drop sequence if exists store_number_seq;');
  }
}
