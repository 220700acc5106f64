/**
 * docs/events.md against the code that reads and writes it: reports knows exactly the documented
 * types of the producers it reads, its tests fake events the document describes, products' event
 * union is exactly its documented types and its events carry exactly the documented fields, and the
 * checker the producers' tests rely on catches an undocumented type, an extra field and a missing one.
 */
import { envelopeText } from '../subgraphs/kit';
import {
  PRODUCTS_EVENTS,
  productCreated,
  productPriceChanged,
  productUpdated,
  type ProductsEvent,
} from '../subgraphs/products/domain/events';
import type { PriceChange, Product } from '../subgraphs/products/domain/types';
import { streamsOf } from '../subgraphs/reports/consumer';
import { KNOWN_EVENTS } from '../subgraphs/reports/domain/events';
import { SOURCES } from '../subgraphs/reports/domain/types';
import { events } from './subgraphs/reports/helpers';
import { contractViolations, ENVELOPE_FIELDS, readEventContract } from './helpers/event-contract';

const contract = readEventContract();

describe('the event contract (docs/events.md)', () => {
  it('documents the envelope and the fourteen event types of the four producers', () => {
    expect(contract.envelope).toEqual(ENVELOPE_FIELDS);
    expect(contract.events.map((e) => `${e.source}:${e.type}`).sort()).toEqual(
      [
        'ecommerce:order.cancelled',
        'ecommerce:order.confirmed',
        'ecommerce:order.shipped',
        'inventory:replenishment.approved',
        'inventory:replenishment.rejected',
        'inventory:replenishment.requested',
        'inventory:stock.changed',
        'products:product.created',
        'products:product.price_changed',
        'products:product.updated',
        'retail:register.closed',
        'retail:sale.cancelled',
        'retail:sale.recorded',
        'retail:sale.returned',
      ].sort(),
    );
    for (const e of contract.events)
      expect({ type: e.type, fields: e.fields.length > 0 }).toEqual({ type: e.type, fields: true });
  });

  it("is exactly what reports' parser knows of the producers it reads: types, producers and versions", () => {
    const read = new Set<string>(SOURCES);
    const documented = Object.fromEntries(
      contract.events
        .filter((e) => read.has(e.source))
        .map((e) => [e.type, { source: e.source, versions: [e.version] }]),
    );
    expect(KNOWN_EVENTS).toEqual(documented);
    // The one producer reports does not read is products: its consumer's group is not even on that stream.
    expect([...new Set(contract.events.map((e) => e.source))].filter((s) => !read.has(s))).toEqual(['products']);
    expect(streamsOf('p:').map((s) => s.key)).toEqual(['p:events:ecommerce', 'p:events:retail', 'p:events:inventory']);
  });

  it("is exactly products' event union: types and versions", () => {
    const documented = Object.fromEntries(
      contract.events.filter((e) => e.source === 'products').map((e) => [e.type, { version: e.version }]),
    );
    expect(PRODUCTS_EVENTS).toEqual(documented);
  });

  it('describes every field of the events products writes', () => {
    const at = new Date('2026-03-01T14:30:00.000Z');
    const product: Product = {
      id: 'prod-0001',
      sku: 'SKU-0001',
      name: 'Casque',
      description: '',
      priceCents: 1999,
      currency: 'CAD',
      active: true,
      categoryId: 'cat-electronics-audio',
      createdAt: at,
      updatedAt: at,
    };
    const change: PriceChange = {
      id: '12',
      productId: product.id,
      oldPriceCents: 2499,
      newPriceCents: 1999,
      currency: 'CAD',
      reason: null,
      changedBy: 'emp-admin',
      changedAt: at,
    };
    const written: ProductsEvent[] = [
      productCreated(product),
      productCreated({ ...product, categoryId: null }),
      productUpdated(product, { ...product, name: 'Old', categoryId: null }),
      productPriceChanged(product, change),
    ];
    for (const [i, e] of written.entries()) {
      const envelope = JSON.parse(
        envelopeText('products', {
          seq: String(i + 1),
          id: `00000000-0000-4000-8000-00000000000${i}`,
          type: e.type,
          version: e.version,
          aggregate_type: e.aggregate.type,
          aggregate_id: e.aggregate.id,
          correlation_id: 'req-1',
          occurred_at: e.occurredAt ?? at,
          data: e.data as unknown as Record<string, unknown>,
        }),
      ) as Record<string, unknown>;
      expect({ type: e.type, problems: contractViolations(contract, envelope) }).toEqual({
        type: e.type,
        problems: [],
      });
    }
    // Who changed a price is kept for audit in products, never published.
    expect(Object.keys(written[3]!.data)).not.toContain('changedBy');
    expect(written[2]!.data).toMatchObject({ changed: ['name', 'categoryId'], previousCategoryId: null });
  });

  it("describes every event reports' tests fake", () => {
    const line = { productId: 'prod-0001', categoryId: 'cat-a', quantity: 2, unitPriceCents: 150 };
    const fakes = [
      events.orderConfirmed('ord-1', [line]),
      events.orderCancelled('ord-1', [line]),
      events.orderCancelled('ord-2', null),
      events.orderShipped('ord-1'),
      events.saleRecorded('sale-1', 'store-1', [line]),
      events.saleReturned('sale-1', 'store-1', [line]),
      events.saleCancelled('sale-1', 'store-1', [line]),
      events.stockChanged('prod-0001'),
    ];
    for (const e of fakes) {
      expect({ type: e.type, problems: contractViolations(contract, JSON.parse(JSON.stringify(e))) }).toEqual({
        type: e.type,
        problems: [],
      });
    }
  });

  it('finds an undocumented type, an undocumented field and a missing field', () => {
    const ok = JSON.parse(JSON.stringify(events.orderShipped('ord-1'))) as Record<string, unknown>;
    expect(contractViolations(contract, ok)).toEqual([]);
    expect(contractViolations(contract, { ...ok, type: 'order.lost' })).toEqual(['order.lost v1 is not documented']);
    expect(contractViolations(contract, { ...ok, version: 2 })).toEqual(['order.shipped v2 is not documented']);
    expect(contractViolations(contract, { ...ok, data: { orderId: 'o', note: null, carrier: 'x' } })).toEqual([
      'order.shipped: undocumented data fields carrier',
    ]);
    expect(contractViolations(contract, { ...ok, data: { orderId: 'o' } })).toEqual([
      'order.shipped: documented data fields missing note',
    ]);
    expect(contractViolations(contract, { ...ok, source: 'retail' })).toEqual([
      'order.shipped is documented for ecommerce, emitted by retail',
    ]);
    const { correlationId: _c, ...noCorrelation } = ok;
    expect(contractViolations(contract, noCorrelation)[0]).toMatch(/^envelope keys/);
  });
});
