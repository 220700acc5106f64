import { EntitySchema } from '@mikro-orm/postgresql';
import {
  EMPLOYEE_ROLES,
  PAYMENT_METHODS,
  RETURN_STATUSES,
  SALE_STATUSES,
  SESSION_STATUSES,
  type CashRegister,
  type Employee,
  type RegisterSession,
  type ReturnLine,
  type Sale,
  type SaleLine,
  type SaleReturn,
  type Store,
} from './domain/types';
import {
  foreignKey,
  instant,
  integer,
  optionalInteger,
  optionalText,
  sagaColumns,
  text,
  timestamps,
} from '../kit/columns';
import { OutboxEvent } from '../kit/outbox';

/**
 * Retail's tables, described once (ADR 0003): each schema is built on the row's one TypeScript shape
 * (domain/types.ts) and describes its table completely (types, defaults, keys, foreign keys, unique,
 * partial and expression indexes, CHECK constraints), so `npm run migration:create -- retail --check`
 * finds nothing the committed migrations do not already do. Column kinds, foreign keys (plain ids)
 * and the sagas' bookkeeping columns are the kit's (kit/columns.ts). CHECK expressions are written
 * the way PostgreSQL prints them back, which is what the comparator reads.
 */

export const StoreSchema = new EntitySchema<Store>({
  name: 'Store',
  tableName: 'stores',
  properties: {
    id: { ...text, primary: true },
    number: { ...integer, unique: 'stores_number_unique' },
    name: text,
    address: text,
    city: text,
    phone: optionalText,
    timeZone: { ...text, fieldName: 'time_zone', default: 'America/Toronto' },
    openingHours: { type: 'json', columnType: 'jsonb', fieldName: 'opening_hours', defaultRaw: `'[]'::jsonb` },
    managerId: foreignKey('Employee', 'stores', 'manager_id', { onDelete: 'set null', nullable: true }),
    locationId: { ...text, fieldName: 'location_id', unique: 'stores_location_unique' },
    active: { type: 'boolean', default: true },
    saleSeq: { ...integer, fieldName: 'sale_seq', default: 0 },
    ...timestamps,
  },
  indexes: [
    // One store per name whatever the case: "Laval Carrefour" and "laval carrefour" are one store.
    {
      name: 'stores_name_lower_unique',
      expression: 'create unique index stores_name_lower_unique on stores (lower(name))',
    },
  ],
  checks: [
    { name: 'stores_number_positive', expression: 'number >= 1' },
    { name: 'stores_sale_seq_non_negative', expression: 'sale_seq >= 0' },
  ],
});

export const CashRegisterSchema = new EntitySchema<CashRegister>({
  name: 'CashRegister',
  tableName: 'cash_registers',
  properties: {
    id: { ...text, primary: true },
    storeId: foreignKey('Store', 'cash_registers', 'store_id', { onDelete: 'no action' }),
    number: integer,
    active: { type: 'boolean', default: true },
    ...timestamps,
  },
  uniques: [{ name: 'cash_registers_store_number_unique', properties: ['storeId', 'number'] }],
  checks: [{ name: 'cash_registers_number_range', expression: 'number >= 1 and number <= 50' }],
});

export const EmployeeSchema = new EntitySchema<Employee>({
  name: 'Employee',
  tableName: 'employees',
  properties: {
    id: { ...text, primary: true },
    name: text,
    email: text,
    role: { enum: true, items: () => EMPLOYEE_ROLES, columnType: 'text' },
    storeId: foreignKey('Store', 'employees', 'store_id', { onDelete: 'no action', nullable: true }),
    active: { type: 'boolean', default: true },
    passwordHash: { ...text, fieldName: 'password_hash', hidden: true },
    ...timestamps,
  },
  indexes: [
    // Unique regardless of case: Sam@Example.com and sam@example.com are one account.
    {
      name: 'employees_email_lower_unique',
      expression: 'create unique index employees_email_lower_unique on employees (lower(email))',
    },
    // A store's staff list, by name (keyset pagination on name and id).
    { name: 'employees_store_name_idx', properties: ['storeId', 'name', 'id'] },
  ],
  checks: [
    // Head office belongs to no store; everyone else to exactly one.
    {
      name: 'employees_store_by_role',
      expression: "(role = 'ADMIN'::text) = (store_id IS NULL)",
    },
  ],
});

export const RegisterSessionSchema = new EntitySchema<RegisterSession>({
  name: 'RegisterSession',
  tableName: 'register_sessions',
  properties: {
    id: { ...text, primary: true },
    registerId: foreignKey('CashRegister', 'register_sessions', 'register_id', { onDelete: 'no action' }),
    storeId: foreignKey('Store', 'register_sessions', 'store_id', { onDelete: 'no action' }),
    status: { enum: true, items: () => SESSION_STATUSES, columnType: 'text', default: 'OPEN' },
    currency: text,
    openingFloatCents: { ...integer, fieldName: 'opening_float_cents' },
    openedBy: { ...text, fieldName: 'opened_by' },
    openedAt: { ...instant, fieldName: 'opened_at' },
    closedBy: { ...optionalText, fieldName: 'closed_by' },
    closedAt: { ...instant, fieldName: 'closed_at', nullable: true },
    cashSalesCents: { ...optionalInteger, fieldName: 'cash_sales_cents' },
    cashRefundsCents: { ...optionalInteger, fieldName: 'cash_refunds_cents' },
    expectedCashCents: { ...optionalInteger, fieldName: 'expected_cash_cents' },
    countedCashCents: { ...optionalInteger, fieldName: 'counted_cash_cents' },
    differenceCents: { ...optionalInteger, fieldName: 'difference_cents' },
    salesCount: { ...optionalInteger, fieldName: 'sales_count' },
    closingNote: { ...optionalText, fieldName: 'closing_note' },
    ...timestamps,
  },
  indexes: [
    // At most one open session per register: two clerks cannot open the same till.
    {
      name: 'register_sessions_one_open',
      expression:
        "create unique index register_sessions_one_open on register_sessions (register_id) where status = 'OPEN'",
    },
    { name: 'register_sessions_register_idx', properties: ['registerId', 'openedAt'] },
  ],
  checks: [
    { name: 'register_sessions_float_non_negative', expression: 'opening_float_cents >= 0' },
    // A closed session carries its figures; an open one none.
    {
      name: 'register_sessions_closed_figures',
      expression:
        "(status = 'CLOSED'::text) = (closed_at IS NOT NULL AND counted_cash_cents IS NOT NULL AND expected_cash_cents IS NOT NULL)",
    },
  ],
});

export const SaleSchema = new EntitySchema<Sale>({
  name: 'Sale',
  tableName: 'sales',
  properties: {
    id: { ...text, primary: true },
    storeId: foreignKey('Store', 'sales', 'store_id', { onDelete: 'no action' }),
    registerId: foreignKey('CashRegister', 'sales', 'register_id', { onDelete: 'no action' }),
    sessionId: foreignKey('RegisterSession', 'sales', 'session_id', { onDelete: 'no action' }),
    // From stores.sale_seq, with `number`, in recordSale's insert; the ORM never generates them.
    seq: integer,
    number: text,
    status: { enum: true, items: () => SALE_STATUSES, columnType: 'text' },
    paymentMethod: { enum: true, items: () => PAYMENT_METHODS, columnType: 'text', fieldName: 'payment_method' },
    currency: text,
    totalCents: { ...integer, fieldName: 'total_cents' },
    soldAt: { ...instant, fieldName: 'sold_at' },
    recordedAt: { ...instant, fieldName: 'recorded_at' },
    soldBy: { ...text, fieldName: 'sold_by' },
    idempotencyKey: { ...text, fieldName: 'idempotency_key' },
    ...sagaColumns,
    cancelReason: { ...optionalText, fieldName: 'cancel_reason' },
    cancelledBy: { ...optionalText, fieldName: 'cancelled_by' },
    ...timestamps,
  },
  uniques: [
    { name: 'sales_store_seq_unique', properties: ['storeId', 'seq'] },
    { name: 'sales_number_unique', properties: ['number'] },
    // One sale per key and store: a replayed (or concurrently repeated) key finds the first sale.
    { name: 'sales_idempotency_unique', properties: ['storeId', 'idempotencyKey'] },
  ],
  indexes: [
    // sales(storeId, period): keyset pages newest first; period filters on soldAt.
    { name: 'sales_store_sold_at_idx', properties: ['storeId', 'soldAt'] },
    // Session totals and closing.
    { name: 'sales_session_idx', properties: ['sessionId'] },
    // Recovery scans only sales whose saga is still running.
    {
      name: 'sales_open_idx',
      expression:
        "create index sales_open_idx on sales (updated_at) where status in ('PENDING', 'STOCK_RESERVED', 'FAILING', 'CANCELLING')",
    },
  ],
  checks: [{ name: 'sales_total_non_negative', expression: 'total_cents >= 0' }],
});

export const SaleLineSchema = new EntitySchema<SaleLine>({
  name: 'SaleLine',
  tableName: 'sale_lines',
  properties: {
    id: { ...text, primary: true },
    saleId: foreignKey('Sale', 'sale_lines', 'sale_id', { onDelete: 'cascade' }),
    lineNo: { ...integer, fieldName: 'line_no' },
    productId: { ...text, fieldName: 'product_id' },
    quantity: integer,
    unitPriceCents: { ...integer, fieldName: 'unit_price_cents' },
    currency: text,
    categoryId: { ...optionalText, fieldName: 'category_id' },
    returnedQuantity: { ...integer, fieldName: 'returned_quantity', default: 0 },
  },
  uniques: [
    { name: 'sale_lines_no_unique', properties: ['saleId', 'lineNo'] },
    { name: 'sale_lines_product_unique', properties: ['saleId', 'productId'] },
  ],
  checks: [
    { name: 'sale_lines_quantity', expression: 'quantity >= 1 and quantity <= 999' },
    { name: 'sale_lines_price', expression: 'unit_price_cents >= 0' },
    // The last line of defence against returning more than was sold, whatever a statement does.
    { name: 'sale_lines_returned', expression: 'returned_quantity >= 0 and returned_quantity <= quantity' },
  ],
});

export const SaleReturnSchema = new EntitySchema<SaleReturn>({
  name: 'SaleReturn',
  tableName: 'returns',
  properties: {
    id: { ...text, primary: true },
    saleId: foreignKey('Sale', 'returns', 'sale_id', { onDelete: 'no action' }),
    storeId: foreignKey('Store', 'returns', 'store_id', { onDelete: 'no action' }),
    registerId: foreignKey('CashRegister', 'returns', 'register_id', { onDelete: 'no action' }),
    sessionId: foreignKey('RegisterSession', 'returns', 'session_id', { onDelete: 'no action' }),
    status: { enum: true, items: () => RETURN_STATUSES, columnType: 'text' },
    refundMethod: { enum: true, items: () => PAYMENT_METHODS, columnType: 'text', fieldName: 'refund_method' },
    refundCents: { ...integer, fieldName: 'refund_cents' },
    currency: text,
    reason: optionalText,
    returnedBy: { ...text, fieldName: 'returned_by' },
    idempotencyKey: { ...text, fieldName: 'idempotency_key' },
    ...sagaColumns,
    ...timestamps,
  },
  uniques: [{ name: 'returns_idempotency_unique', properties: ['storeId', 'idempotencyKey'] }],
  indexes: [
    { name: 'returns_sale_idx', properties: ['saleId', 'createdAt'] },
    { name: 'returns_session_idx', properties: ['sessionId'] },
    // Recovery scans only returns whose restock is not confirmed.
    {
      name: 'returns_pending_idx',
      expression: "create index returns_pending_idx on returns (updated_at) where status = 'PENDING'",
    },
  ],
  checks: [{ name: 'returns_refund_non_negative', expression: 'refund_cents >= 0' }],
});

export const ReturnLineSchema = new EntitySchema<ReturnLine>({
  name: 'ReturnLine',
  tableName: 'return_lines',
  properties: {
    id: { ...text, primary: true },
    returnId: foreignKey('SaleReturn', 'return_lines', 'return_id', { onDelete: 'cascade' }),
    saleLineId: foreignKey('SaleLine', 'return_lines', 'sale_line_id', { onDelete: 'no action' }),
    productId: { ...text, fieldName: 'product_id' },
    quantity: integer,
    refundCents: { ...integer, fieldName: 'refund_cents' },
  },
  uniques: [{ name: 'return_lines_sale_line_unique', properties: ['returnId', 'saleLineId'] }],
  indexes: [{ name: 'return_lines_sale_line_idx', properties: ['saleLineId'] }],
  checks: [
    { name: 'return_lines_quantity', expression: 'quantity >= 1 and quantity <= 999' },
    { name: 'return_lines_refund', expression: 'refund_cents >= 0' },
  ],
});

export const entities = [
  StoreSchema,
  CashRegisterSchema,
  EmployeeSchema,
  RegisterSessionSchema,
  SaleSchema,
  SaleLineSchema,
  SaleReturnSchema,
  ReturnLineSchema,
  // The kit's transactional outbox (docs/events.md): retail's events, written with their change.
  OutboxEvent,
];
