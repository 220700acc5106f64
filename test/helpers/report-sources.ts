/**
 * What a sales report must show, computed from the producers' own rows rather than from their
 * events or reports' code: the e2e tests of the event pipeline compare reports' answers with these.
 */
import type { SalesReportQuery } from '../../schema/operations/generated';
import { sqlRows } from '../subgraphs/ecommerce/helpers';
import { expectedFigures, type Envelope } from '../subgraphs/reports/helpers';

/**
 * The facts in the producers' databases, as the envelopes reports' expectedFigures sums (which
 * shares no code with reports): confirmed orders and their cancellations, sales, cancellations and
 * returns, each line with its product's category as products files it.
 */
export async function factsFromSources(urls: {
  products: string;
  retail: string;
  /** Absent when the stack has no ecommerce: no online facts. */
  ecommerce?: string;
}): Promise<Envelope[]> {
  const url = (s: 'ecommerce' | 'retail' | 'products') => urls[s]!;
  const categories = new Map(
    (
      await sqlRows<{ id: string; category_id: string | null }>(url('products'), 'select id, category_id from products')
    ).map((p) => [p.id, p.category_id]),
  );
  const fact = (
    source: Envelope['source'],
    type: string,
    id: string,
    at: Date,
    data: Record<string, unknown>,
  ): Envelope => ({
    id: `${type}:${id}`,
    type,
    version: 1,
    occurredAt: at.toISOString(),
    source,
    correlationId: 'sources',
    aggregate: { type: 'x', id },
    sequence: 0,
    data,
  });
  const out: Envelope[] = [];
  const orders = !urls.ecommerce
    ? []
    : await sqlRows<{ id: string; status: string; confirmed_at: Date; cancelled_at: Date | null }>(
        url('ecommerce'),
        `select o.id, o.status,
            (select min(at) from order_status_changes c where c.order_id = o.id and c.status = 'CONFIRMED') as confirmed_at,
            (select min(at) from order_status_changes c where c.order_id = o.id and c.status = 'CANCELLED') as cancelled_at
       from orders o
      where exists (select 1 from order_status_changes c where c.order_id = o.id and c.status = 'CONFIRMED')`,
      );
  const orderLines = !urls.ecommerce
    ? []
    : await sqlRows<{
        order_id: string;
        product_id: string;
        quantity: number;
        unit_price_cents: number;
      }>(url('ecommerce'), 'select order_id, product_id, quantity, unit_price_cents from order_lines');
  for (const o of orders) {
    const lines = orderLines
      .filter((l) => l.order_id === o.id)
      .map((l) => ({
        productId: l.product_id,
        categoryId: categories.get(l.product_id) ?? null,
        quantity: l.quantity,
        lineTotalCents: l.quantity * l.unit_price_cents,
      }));
    out.push(fact('ecommerce', 'order.confirmed', o.id, o.confirmed_at, { lines }));
    if (o.cancelled_at)
      out.push(fact('ecommerce', 'order.cancelled', o.id, o.cancelled_at, { wasConfirmed: true, lines }));
  }
  const sales = await sqlRows<{ id: string; store_id: string; status: string; sold_at: Date; updated_at: Date }>(
    url('retail'),
    "select id, store_id, status, sold_at, updated_at from sales where status in ('COMPLETED', 'CANCELLED')",
  );
  const saleLines = await sqlRows<{
    id: string;
    sale_id: string;
    product_id: string;
    quantity: number;
    unit_price_cents: number;
  }>(url('retail'), 'select id, sale_id, product_id, quantity, unit_price_cents from sale_lines');
  for (const s of sales) {
    const lines = saleLines
      .filter((l) => l.sale_id === s.id)
      .map((l) => ({
        productId: l.product_id,
        categoryId: categories.get(l.product_id) ?? null,
        quantity: l.quantity,
        lineTotalCents: l.quantity * l.unit_price_cents,
      }));
    out.push(
      fact('retail', 'sale.recorded', s.id, s.sold_at, { storeId: s.store_id, soldAt: s.sold_at.toISOString(), lines }),
    );
    if (s.status === 'CANCELLED')
      out.push(fact('retail', 'sale.cancelled', s.id, s.updated_at, { storeId: s.store_id, lines }));
  }
  const returns = await sqlRows<{ id: string; store_id: string; created_at: Date }>(
    url('retail'),
    "select id, store_id, created_at from returns where status = 'COMPLETED'",
  );
  const returnLines = await sqlRows<{ return_id: string; product_id: string; quantity: number; refund_cents: number }>(
    url('retail'),
    'select return_id, product_id, quantity, refund_cents from return_lines',
  );
  for (const r of returns) {
    const lines = returnLines
      .filter((l) => l.return_id === r.id)
      .map((l) => ({
        productId: l.product_id,
        categoryId: categories.get(l.product_id) ?? null,
        quantity: l.quantity,
        amountCents: l.refund_cents,
      }));
    out.push(fact('retail', 'sale.returned', r.id, r.created_at, { storeId: r.store_id, lines }));
  }
  return out;
}

/** The report's figures (the SalesReport client operation's answer) in the shape expectedFigures gives them. */
export function figuresOf(r: SalesReportQuery['salesReport']) {
  const cents = (a: { amount: string }) => Math.round(Number(a.amount) * 100);
  return {
    revenueCents: cents(r.revenue),
    transactions: r.transactions,
    unitsSold: r.unitsSold,
    byChannel: Object.fromEntries(r.byChannel.map((c) => [c.channel, [cents(c.revenue), c.transactions]])),
    byStore: Object.fromEntries(r.byStore.map((s) => [s.store.id, [cents(s.revenue), s.transactions]])),
    byCategory: Object.fromEntries(r.byCategory.map((c) => [c.category?.id ?? '', [cents(c.revenue), c.unitsSold]])),
    topProducts: r.topProducts.map((t): [string, number, number] => [t.product.id, cents(t.revenue), t.unitsSold]),
    daily: r.daily.map((d): [string, number, number] => [d.date, cents(d.revenue), d.unitsSold]),
  };
}

export function expectedOf(facts: Envelope[], day: string) {
  const ex = expectedFigures(facts, day, day);
  const nonZero = <T extends { revenueCents: number }>(o: Record<string, T>, f: (v: T) => unknown[]) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
  return {
    ex,
    figures: {
      revenueCents: ex.revenueCents,
      transactions: ex.transactions,
      unitsSold: ex.unitsSold,
      byChannel: nonZero(ex.byChannel, (v) => [v.revenueCents, v.transactions]),
      byStore: nonZero(ex.byStore, (v) => [v.revenueCents, v.transactions]),
      byCategory: nonZero(ex.byCategory, (v) => [v.revenueCents, v.unitsSold]),
      daily: Object.entries(ex.daily).map(([d, v]) => [d, v.revenueCents, v.unitsSold]),
    },
  };
}
