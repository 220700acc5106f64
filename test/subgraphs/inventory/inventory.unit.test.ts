import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { Kind, parse, validate, visit, type ASTNode, type DocumentNode } from 'graphql';
import { DEMO_LOCATIONS, DEMO_PRODUCT_COUNT, AccessDenied } from '../../../subgraphs/kit';
import { operation } from '../../../schema/operations';
import { assertMayAdjust, replenishmentScope, staffStore } from '../../../subgraphs/inventory/domain/access';
import { validateAdjustment } from '../../../subgraphs/inventory/domain/adjust';
import { stockChangedEvents, type MovementChange } from '../../../subgraphs/inventory/domain/events';
import {
  isLow,
  productStock,
  suggestedQuantity,
  type LevelWithLocation,
} from '../../../subgraphs/inventory/domain/levels';
import { mergeLines } from '../../../subgraphs/inventory/domain/lines';
import { commitReason } from '../../../subgraphs/inventory/domain/reservations';
import type { AdjustStockInput } from '../../../subgraphs/inventory/generated/resolvers';
import { demoStockLevels } from '../../../subgraphs/inventory/seed';
import { schema } from '../../../subgraphs/inventory/server';

const SDL = readFileSync(path.join(__dirname, '..', '..', '..', 'subgraphs', 'inventory', 'schema.graphql'), 'utf8');

/**
 * The client operations (schema/operations) that read or change inventory's fields: its own
 * (replenishment included), and ProductDetail, whose `stock { ... levels { ... } }` selection
 * inventory serves.
 */
const CLIENT_OPERATIONS = [
  'StoreStock',
  'LowStock',
  'LowStockSuggestions',
  'AdjustStock',
  'RequestReplenishment',
  'ApproveReplenishment',
  'RejectReplenishment',
  'ReplenishmentRequests',
  'ReplenishmentRequest',
  'ProductDetail',
]
  .map(operation)
  .join('\n');

/** Just enough of the products, retail and reports subgraphs to compose those operations. */
const PRODUCTS_STUB = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  type Money @shareable { amount: String! currency: String! }
  type Category { id: ID! name: String! parent: Category }
  type Product @key(fields: "id") {
    id: ID! sku: String! name: String! description: String! active: Boolean! price: Money! category: Category
  }
  type Query { product(id: ID!): Product }
`;
const RETAIL_STUB = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Store @key(fields: "id") { id: ID! name: String! }
  type Query { store(id: ID!): Store }
`;
const REPORTS_STUB = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  type Money @shareable { amount: String! currency: String! }
  input PeriodInput { from: String! to: String! }
  type SalesStats { unitsSold: Int! revenue: Money! }
  type Product @key(fields: "id") { id: ID! salesStats(period: PeriodInput!): SalesStats! }
`;

function compose() {
  return composeServices([
    { name: 'inventory', url: 'http://inventory/graphql', typeDefs: parse(SDL) },
    { name: 'products', url: 'http://products/graphql', typeDefs: parse(PRODUCTS_STUB) },
    { name: 'retail', url: 'http://retail/graphql', typeDefs: parse(RETAIL_STUB) },
    { name: 'reports', url: 'http://reports/graphql', typeDefs: parse(REPORTS_STUB) },
  ]);
}

describe('inventory SDL', () => {
  it('composes with products, retail and reports and serves the client operations', () => {
    const result = compose();
    expect(result.errors?.map((e) => e.message)).toBeUndefined();
    const api = result.schema!.toAPISchema().toGraphQLJSSchema();
    expect(validate(api, parse(CLIENT_OPERATIONS)).map((e) => e.message)).toEqual([]);
  });

  it('hides the saga mutations and their types from the public API', () => {
    const api = compose().schema!.toAPISchema().toGraphQLJSSchema();
    expect(Object.keys(api.getMutationType()!.getFields())).toEqual([
      'adjustStock',
      'requestReplenishment',
      'approveReplenishment',
      'rejectReplenishment',
    ]);
    for (const type of [
      'Reservation',
      'ReservationLine',
      'ReservationStatus',
      'ReserveStockInput',
      'ReserveStockPayload',
      'TakeStockInput',
      'TakeStockLineInput',
      'TakeStockPayload',
      'StockReturn',
      'ReturnStockInput',
      'EnsureStoreLocationInput',
    ]) {
      expect(api.getType(type)).toBeUndefined();
    }
    // ...but the subgraph itself serves them to services that call it directly.
    expect(Object.keys(schema.getMutationType()!.getFields()).sort()).toEqual([
      'adjustStock',
      'approveReplenishment',
      'commitReservation',
      'ensureStoreLocation',
      'rejectReplenishment',
      'releaseReservation',
      'requestReplenishment',
      'reserveStock',
      'restockOrder',
      'returnStock',
      'takeStock',
    ]);
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    const doc: DocumentNode = parse(SDL);
    const needs = new Set<string>([
      Kind.OBJECT_TYPE_DEFINITION,
      Kind.INPUT_OBJECT_TYPE_DEFINITION,
      Kind.ENUM_TYPE_DEFINITION,
      Kind.SCALAR_TYPE_DEFINITION,
      Kind.FIELD_DEFINITION,
      Kind.INPUT_VALUE_DEFINITION,
      Kind.ENUM_VALUE_DEFINITION,
    ]);
    const stack: string[] = [];
    visit(doc, {
      enter(node: ASTNode) {
        const name =
          'name' in node && node.name && typeof node.name === 'object' && 'value' in node.name ? node.name.value : '';
        stack.push(name);
        const rootType = node.kind === Kind.OBJECT_TYPE_DEFINITION && ['Query', 'Mutation'].includes(name);
        if (needs.has(node.kind) && !rootType && !('description' in node && node.description))
          missing.push(stack.join('.'));
      },
      leave() {
        stack.pop();
      },
    });
    expect(missing).toEqual([]);
  });
});

describe('stock rules', () => {
  const level = (onHand: number, reserved: number, reorderPoint = 5): LevelWithLocation => ({
    productId: 'p',
    locationId: 'l',
    onHand,
    reserved,
    reorderPoint,
    updatedAt: new Date(0),
    isLow: onHand - reserved <= reorderPoint,
    location: { id: 'l', name: 'L', kind: 'STORE', storeId: 's', createdAt: new Date(0) },
  });

  it('sums a product over its levels; no levels means zeros', () => {
    expect(productStock([])).toEqual({ onHand: 0, reserved: 0, available: 0, levels: [] });
    const levels = [level(10, 2), level(5, 5)];
    expect(productStock(levels)).toEqual({ onHand: 15, reserved: 7, available: 8, levels });
  });

  it('calls a level low when available is at or below the reorder point', () => {
    expect(isLow(level(10, 5, 5))).toBe(true);
    expect(isLow(level(11, 5, 5))).toBe(false);
    expect(isLow(level(0, 0, 0))).toBe(true);
  });

  it('validates adjustments', () => {
    const base: AdjustStockInput = {
      productId: 'prod-0001',
      locationId: 'loc-warehouse',
      delta: 1,
      reason: 'ADJUSTMENT',
      note: null,
    };
    expect(validateAdjustment(base)).toEqual([]);
    expect(validateAdjustment({ ...base, delta: -1_000_000 })).toEqual([]);
    for (const delta of [0, 1.5, 1_000_001, -1_000_001]) {
      expect(validateAdjustment({ ...base, delta }).map((e) => e.code)).toEqual(['INVALID_QUANTITY']);
    }
    expect(validateAdjustment({ ...base, productId: ' ' }).map((e) => e.field)).toEqual([['input', 'productId']]);
    expect(validateAdjustment({ ...base, note: 'x'.repeat(501) }).map((e) => e.field)).toEqual([['input', 'note']]);
  });

  it('lets head office adjust anywhere and managers only at their own store', () => {
    const store1 = { id: 'loc-store-1', name: 'S1', kind: 'STORE' as const, storeId: 'store-1' };
    const warehouse = { id: 'loc-warehouse', name: 'W', kind: 'WAREHOUSE' as const, storeId: null };
    expect(() => assertMayAdjust({ sub: 'a', role: 'ADMIN' }, warehouse)).not.toThrow();
    expect(() => assertMayAdjust({ sub: 'm', role: 'MANAGER', storeId: 'store-1' }, store1)).not.toThrow();
    expect(() => assertMayAdjust({ sub: 'm', role: 'MANAGER', storeId: 'store-2' }, store1)).toThrow(AccessDenied);
    expect(() => assertMayAdjust({ sub: 'm', role: 'MANAGER', storeId: 'store-1' }, warehouse)).toThrow(AccessDenied);
    expect(() => assertMayAdjust({ sub: 'm', role: 'MANAGER' }, store1)).toThrow(AccessDenied);
    expect(() => assertMayAdjust({ sub: 'c', role: 'CLERK', storeId: 'store-1' }, store1)).toThrow(AccessDenied);
  });

  it('suggests the units that bring a low level back to twice its reorder point', () => {
    expect(suggestedQuantity(level(3, 0, 10))).toBe(17);
    expect(suggestedQuantity(level(12, 2, 10))).toBe(10);
    expect(suggestedQuantity(level(11, 0, 10))).toBeNull();
    expect(suggestedQuantity(level(0, 0, 0))).toBeNull();
    expect(suggestedQuantity(level(0, 0, 900_000))).toBe(1_000_000);
  });

  it('lets store staff ask for and list their own store only, head office list any', () => {
    const clerk = { sub: 'c', role: 'CLERK' as const, storeId: 'store-3' };
    expect(staffStore(clerk)).toBe('store-3');
    expect(staffStore({ sub: 'm', role: 'MANAGER', storeId: 'store-2' })).toBe('store-2');
    expect(() => staffStore({ sub: 'a', role: 'ADMIN' })).toThrow(AccessDenied);
    expect(() => staffStore({ sub: 'c', role: 'CLERK' })).toThrow(AccessDenied);
    expect(replenishmentScope(clerk, null)).toBe('store-3');
    expect(replenishmentScope(clerk, 'store-3')).toBe('store-3');
    expect(() => replenishmentScope(clerk, 'store-1')).toThrow(AccessDenied);
    expect(replenishmentScope({ sub: 'a', role: 'ADMIN' }, null)).toBeNull();
    expect(replenishmentScope({ sub: 'a', role: 'ADMIN' }, 'store-1')).toBe('store-1');
    expect(() => replenishmentScope({ sub: 'x', role: 'CUSTOMER' }, null)).toThrow(AccessDenied);
  });

  it('merges lines of one product in product order and checks each line', () => {
    const merged = mergeLines([
      { productId: 'b', quantity: 2 },
      { productId: 'a', quantity: 1 },
      { productId: 'b', quantity: 3 },
    ]);
    expect(merged).toEqual({
      errors: [],
      lines: [
        { productId: 'a', quantity: 1, index: 1 },
        { productId: 'b', quantity: 5, index: 0 },
      ],
    });
    const over = mergeLines([
      { productId: 'a', quantity: 600_000 },
      { productId: 'a', quantity: 600_000 },
      { productId: 'b', quantity: 0 },
    ]);
    expect(over.errors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_QUANTITY', ['input', 'lines', '2', 'quantity']],
      ['INVALID_QUANTITY', ['input', 'lines', '0', 'quantity']],
    ]);
  });
});

describe('demo stock', () => {
  it('is deterministic, covers every product at every location, and ~10% starts low', () => {
    const levels = demoStockLevels();
    expect(demoStockLevels()).toEqual(levels);
    expect(levels).toHaveLength(DEMO_PRODUCT_COUNT * DEMO_LOCATIONS.length);
    expect(new Set(levels.map((l) => `${l.productId}@${l.locationId}`)).size).toBe(levels.length);
    const online = levels.filter((l) => l.locationId === 'loc-online');
    expect(online.every((l) => l.onHand >= l.reorderPoint + 200)).toBe(true);
    const physical = levels.filter((l) => l.locationId !== 'loc-online');
    const lowShare = physical.filter((l) => l.onHand <= l.reorderPoint).length / physical.length;
    expect(lowShare).toBeGreaterThan(0.06);
    expect(lowShare).toBeLessThan(0.14);
    expect(levels.every((l) => l.onHand >= 0 && l.reorderPoint >= 0)).toBe(true);
  });
});

describe('stock.changed events of one statement', () => {
  const move = (over: Partial<MovementChange>): MovementChange => ({
    productId: 'prod-0001',
    locationId: 'loc-online',
    storeId: null,
    reason: 'RESERVATION_EXPIRED',
    reference: 'ord-a',
    onHandDelta: 0,
    reservedDelta: -2,
    onHand: 50,
    reserved: 1,
    reorderPoint: 10,
    ...over,
  });

  it('gives a level moved twice two events whose states lead to where the statement left it', () => {
    const events = stockChangedEvents([
      move({}),
      move({ productId: 'prod-0002', reference: 'ord-a', reservedDelta: -1, onHand: 7, reserved: 0 }),
      move({ reference: 'ord-b', reservedDelta: -3 }),
    ]);
    expect(events.map((e) => [e.aggregate.id, e.data.reference, e.data.reservedDelta, e.data.reserved])).toEqual([
      ['prod-0001@loc-online', 'ord-a', -2, 4],
      ['prod-0002@loc-online', 'ord-a', -1, 0],
      ['prod-0001@loc-online', 'ord-b', -3, 1],
    ]);
    expect(events.every((e) => e.type === 'stock.changed' && e.aggregate.type === 'StockLevel')).toBe(true);
    // The first movement as it was, with the level as that movement left it.
    expect(events[0]!.data).toEqual(move({ reserved: 4 }));
  });
});

describe('commitReason', () => {
  it("writes a till sale's commit as SALE and an online order's as RESERVATION_COMMITTED, by the location's kind", () => {
    expect(commitReason('STORE')).toBe('SALE');
    expect(commitReason('ONLINE')).toBe('RESERVATION_COMMITTED');
    expect(commitReason('WAREHOUSE')).toBe('RESERVATION_COMMITTED');
    expect(commitReason(null)).toBe('RESERVATION_COMMITTED');
  });
});
