/**
 * docs/events.md against the code that reads it: reports knows exactly the documented types, its
 * tests fake events the document describes, and the checker the producers' e2e test relies on
 * catches an undocumented type, an extra field and a missing one.
 */
import { KNOWN_EVENTS } from '../subgraphs/reports/domain/events';
import { events } from './subgraphs/reports/helpers';
import { contractViolations, readEventContract } from './helpers/event-contract';

const contract = readEventContract();

describe('the event contract (docs/events.md)', () => {
  it('documents the envelope and the eleven event types of the three producers', () => {
    expect(contract.envelope).toEqual([
      'id',
      'type',
      'version',
      'occurredAt',
      'source',
      'correlationId',
      'aggregate',
      'sequence',
      'data',
    ]);
    expect(contract.events.map((e) => `${e.source}:${e.type}`).sort()).toEqual(
      [
        'ecommerce:order.cancelled',
        'ecommerce:order.confirmed',
        'ecommerce:order.shipped',
        'inventory:replenishment.approved',
        'inventory:replenishment.rejected',
        'inventory:replenishment.requested',
        'inventory:stock.changed',
        'retail:register.closed',
        'retail:sale.cancelled',
        'retail:sale.recorded',
        'retail:sale.returned',
      ].sort(),
    );
    for (const e of contract.events)
      expect({ type: e.type, fields: e.fields.length > 0 }).toEqual({ type: e.type, fields: true });
  });

  it("is exactly what reports' parser knows: types, producers and versions", () => {
    const documented = Object.fromEntries(
      contract.events.map((e) => [e.type, { source: e.source, versions: [e.version] }]),
    );
    expect(KNOWN_EVENTS).toEqual(documented);
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
