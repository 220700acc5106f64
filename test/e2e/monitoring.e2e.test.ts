/**
 * What Prometheus scrapes, from the running processes (the router and the five subgraphs, inventory
 * twice, the demo data): each serves exactly the metrics monitoring/metrics-catalog.yml gives it, of
 * their type and with their labels (the catalogue's other half, that alerts and dashboards name only
 * catalogued metrics and labels, is test/ops/monitoring.ops.test.ts); and the business figures the
 * business dashboard draws are what the databases say after an order, a refused checkout, a till
 * sale, a level going low and a replenishment request, all sent through the router.
 */
import { Client } from 'pg';
import type { Registry } from 'prom-client';
import {
  AdjustStockDocument,
  OpenRegisterDocument,
  RecordSaleDocument,
  RequestReplenishmentDocument,
  StaffLoginDocument,
} from '../../schema/operations/generated';
import { DEMO_STAFF, DEMO_STAFF_PASSWORD } from '../../subgraphs/retail/seed';
import {
  addToCart,
  CARD_DECLINED,
  checkout,
  newCustomer,
  setOnlineStock,
  sqlRows,
  type Gql,
} from '../subgraphs/ecommerce/helpers';
import {
  labelsOn,
  loadCatalog,
  scrape,
  SERVICES,
  valueOf,
  type Exposition,
  defaultMetricNames,
} from '../helpers/metrics-catalog';
import { startStack, type Stack } from '../helpers/stack';
import { tokens, waitFor } from '../helpers/toolkit';

const catalog = loadCatalog();
const STORE = 'store-2';
const LOCATION = 'loc-store-2';

describe('what the processes serve on /metrics', () => {
  let stack: Stack;
  let defaults: Set<string>;
  const gql: Gql = (q, v, o) => stack.gql(q, v, o);

  /** Every process of the stack: its service name, GraphQL URL and registry. */
  const processes = () => [
    { service: 'router', url: stack.routerUrl, registry: stack.router.metrics.registry as Registry },
    ...SERVICES.filter((s) => s !== 'router').flatMap((service) =>
      stack.instances(service).map((s) => ({ service, url: s.url, registry: s.metrics.registry as Registry })),
    ),
  ];

  beforeAll(async () => {
    defaults = await defaultMetricNames();
    stack = await startStack({
      services: ['products', 'inventory', 'ecommerce', 'retail', 'reports'],
      inventoryReplicas: 2,
      seed: true,
      env: { RETAIL_SEED_HISTORY_DAYS: '0', REPORTS_BLOCK_MS: '100', REPORTS_JOB_INTERVAL_MS: '0' },
    });
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves exactly the catalogued metrics of each process, of their type, and the prom-client defaults', async () => {
    for (const { service, url } of processes()) {
      const served = (await scrape(url)).types;
      const application = [...served.keys()].filter((name) => !defaults.has(name)).sort();
      const expected = catalog
        .filter((m) => m.status === 'implemented' && m.emittedBy.includes(service))
        .map((m) => m.name)
        .sort();
      expect({ service, application }).toEqual({ service, application: expected });
      for (const m of catalog.filter((x) => x.emittedBy.includes(service) && x.status === 'implemented')) {
        expect({ service, metric: m.name, type: served.get(m.name) }).toEqual({
          service,
          metric: m.name,
          type: m.type,
        });
      }
      // Default metrics are every process's, so none is catalogued and each is served.
      expect({ service, missingDefaults: [...defaults].filter((d) => !served.has(d)) }).toEqual({
        service,
        missingDefaults: [],
      });
    }
  });

  it('serves no catalogue entry marked planned (one that is served must be marked implemented)', async () => {
    const planned = new Set(catalog.filter((m) => m.status === 'planned').map((m) => m.name));
    for (const { service, url } of processes()) {
      const served = [...(await scrape(url)).types.keys()].filter((n) => planned.has(n));
      expect({ service, served }).toEqual({ service, served: [] });
    }
  });

  it('registers every catalogued metric with the catalogued labels (those the queries group and filter by)', () => {
    for (const { service, registry } of processes()) {
      for (const m of catalog.filter((x) => x.emittedBy.includes(service) && x.status === 'implemented')) {
        const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: readonly string[] } | undefined;
        // labelNames is prom-client's own field of every metric (not in its typings).
        const labels = [...(metric?.labelNames ?? [])].sort();
        expect({ service, metric: m.name, labels }).toEqual({
          service,
          metric: m.name,
          labels: [...labelsOn(m, service)].sort(),
        });
      }
    }
  });

  it('reports each request pool: its limit, its connections used and idle, nobody waiting at rest', async () => {
    const limit = Number(process.env.DB_POOL_MAX ?? 10);
    for (const { service, url } of processes().filter((p) => p.service !== 'router')) {
      const m = await scrape(url);
      const used = valueOf(m, 'db_pool_connections', { state: 'used' });
      const idle = valueOf(m, 'db_pool_connections', { state: 'idle' });
      expect({ service, max: valueOf(m, 'db_pool_max_connections'), waiting: valueOf(m, 'db_pool_waiting') }).toEqual({
        service,
        max: limit,
        waiting: 0,
      });
      // Migrations and the demo seed went through the pool: it holds at least one connection, within its limit.
      expect({ service, open: used + idle >= 1 && used + idle <= limit }).toEqual({ service, open: true });
    }
  });

  describe('business figures', () => {
    const ecommerce = () => scrape(stack.subgraph('ecommerce').url);
    const retail = () => scrape(stack.subgraph('retail').url);
    const checkoutOutcome = (m: Exposition, outcome: string) =>
      valueOf(m, 'saga_outcomes_total', { saga: 'checkout', outcome });

    it('counts a confirmed order and its total, and a declined checkout as its outcome', async () => {
      const before = await ecommerce();
      await setOnlineStock(gql, 'prod-0021', 50);
      const customer = await newCustomer(gql, 'metrics');
      await addToCart(gql, customer, 'prod-0021', 3);
      const placed = await checkout(gql, customer);
      const order = placed.body.data?.checkout.order as { id: string; status: string } | undefined;
      expect(order?.status).toBe('CONFIRMED');
      const [row] = await sqlRows<{ total_cents: number; currency: string }>(
        stack.databases.ecommerce!.url,
        'select total_cents, currency from orders where id = $1',
        [order!.id],
      );

      await addToCart(gql, customer, 'prod-0022', 1);
      const declined = await checkout(gql, customer, { card: CARD_DECLINED });
      expect(declined.body.data?.checkout.order?.status).toBe('CANCELLED');

      const after = await ecommerce();
      expect({
        confirmed: checkoutOutcome(after, 'confirmed') - checkoutOutcome(before, 'confirmed'),
        declined: checkoutOutcome(after, 'payment_declined') - checkoutOutcome(before, 'payment_declined'),
        revenueCents:
          valueOf(after, 'ecommerce_order_revenue_cents_total', { currency: row!.currency }) -
          valueOf(before, 'ecommerce_order_revenue_cents_total', { currency: row!.currency }),
      }).toEqual({ confirmed: 1, declined: 1, revenueCents: row!.total_cents });
      expect(row!.total_cents).toBeGreaterThan(0);

      // The event pipeline's figures: reports applies the order's event once.
      await waitFor(
        'reports to apply order.confirmed',
        async () =>
          valueOf(await scrape(stack.subgraph('reports').url), 'reports_events_processed_total', {
            type: 'order.confirmed',
            outcome: 'applied',
          }) >= 1,
      );
    });

    it("counts a completed till sale for its store, with the sale's total", async () => {
      const clerkAccount = DEMO_STAFF.find((e) => e.role === 'CLERK' && e.storeId === STORE)!;
      const login = await gql(StaffLoginDocument, {
        input: { email: clerkAccount.email, password: DEMO_STAFF_PASSWORD },
      });
      const clerk = login.body.data!.staffLogin.token!;
      const registerId = `reg-${STORE}-1`;
      const opened = await gql(
        OpenRegisterDocument,
        { input: { registerId, openingFloat: '100.00' } },
        { token: clerk },
      );
      expect(opened.body.data?.openRegister.errors).toEqual([]);
      const stocked = await gql(
        AdjustStockDocument,
        { input: { productId: 'prod-0031', locationId: LOCATION, delta: 10, reason: 'RECEIPT', note: 'metrics e2e' } },
        { token: tokens.admin() },
      );
      expect(stocked.body.data?.adjustStock.errors).toEqual([]);

      const before = await retail();
      const sale = await gql(
        RecordSaleDocument,
        {
          input: {
            storeId: STORE,
            registerId,
            lines: [{ productId: 'prod-0031', quantity: 2 }],
            paymentMethod: 'CARD',
            idempotencyKey: `metrics-${Date.now()}`,
          },
        },
        { token: clerk },
      );
      const recorded = sale.body.data?.recordSale.sale;
      expect(recorded?.status).toBe('COMPLETED');
      const [row] = await sqlRows<{ total_cents: number; currency: string }>(
        stack.databases.retail!.url,
        'select total_cents, currency from sales where id = $1',
        [recorded!.id],
      );
      const after = await retail();
      const delta = (name: string, labels: Record<string, string>) =>
        valueOf(after, name, labels) - valueOf(before, name, labels);
      expect({
        sales: delta('retail_sales_total', { store_id: STORE }),
        otherStores: valueOf(after, 'retail_sales_total') - valueOf(before, 'retail_sales_total') - 1,
        revenueCents: delta('retail_sales_revenue_cents_total', { store_id: STORE, currency: row!.currency }),
        completed: delta('saga_outcomes_total', { saga: 'sale', outcome: 'completed' }),
      }).toEqual({ sales: 1, otherStores: 0, revenueCents: row!.total_cents, completed: 1 });
      expect(row!.total_cents).toBeGreaterThan(0);
    });

    describe('inventory, read from its tables at each scrape (both replicas alike)', () => {
      let pg: Client;
      beforeAll(async () => {
        pg = new Client({ connectionString: stack.databases.inventory!.url });
        await pg.connect();
      });
      afterAll(async () => {
        await pg?.end();
      });

      /** Low levels per location counted here from the rows: available <= reorder point. */
      const lowInDatabase = async () =>
        Object.fromEntries(
          (
            await pg.query<{ id: string; n: number }>(
              `select l.id, count(s.product_id) filter (where s.on_hand - s.reserved <= s.reorder_point)::int as n
                 from location l left join stock_level s on s.location_id = l.id group by l.id`,
            )
          ).rows.map((r) => [r.id, r.n]),
        );
      const gauge = async (url: string, name: string, label: string) =>
        Object.fromEntries(
          (await scrape(url)).samples.filter((s) => s.name === name).map((s) => [s.labels[label], s.value]),
        );

      it('gives the low-stock count of every location, and one more once a level falls to its reorder point', async () => {
        const replicas = stack.instances('inventory').map((s) => s.url);
        const before = await lowInDatabase();
        for (const url of replicas)
          expect(await gauge(url, 'inventory_low_stock_levels', 'location_id')).toEqual(before);
        // The demo data has low levels (docs/demo-data.md), so the figure is not a zero by default.
        expect(Object.values(before).some((n) => n > 0)).toBe(true);
        const stores = (await scrape(replicas[0]!)).samples.filter((s) => s.name === 'inventory_low_stock_levels');
        expect(stores.find((s) => s.labels.location_id === LOCATION)?.labels.store_id).toBe(STORE);
        expect(stores.find((s) => s.labels.location_id === 'loc-warehouse')?.labels.store_id ?? '').toBe('');

        const healthy = (
          await pg.query<{ product_id: string; spare: number }>(
            `select product_id, on_hand - reserved - reorder_point as spare from stock_level
              where location_id = $1 and reorder_point > 0 and on_hand - reserved > reorder_point
              order by product_id limit 1`,
            [LOCATION],
          )
        ).rows[0]!;
        const adjusted = await gql(
          AdjustStockDocument,
          {
            input: {
              productId: healthy.product_id,
              locationId: LOCATION,
              delta: -healthy.spare,
              reason: 'ADJUSTMENT',
              note: 'metrics e2e: down to the reorder point',
            },
          },
          { token: tokens.admin() },
        );
        expect(adjusted.body.data?.adjustStock.errors).toEqual([]);
        const after = await lowInDatabase();
        expect(after[LOCATION]).toBe(before[LOCATION]! + 1);
        for (const url of replicas)
          expect(await gauge(url, 'inventory_low_stock_levels', 'location_id')).toEqual(after);
      });

      it("gives each store's pending replenishment requests, one more after a clerk asks", async () => {
        const url = stack.instances('inventory')[1]!.url;
        const before = await gauge(url, 'inventory_replenishment_requests_pending', 'store_id');
        const asked = await gql(
          RequestReplenishmentDocument,
          { input: { lines: [{ productId: 'prod-0033', quantity: 4 }] } },
          { token: tokens.clerk(STORE) },
        );
        expect(asked.body.data?.requestReplenishment.errors).toEqual([]);
        const after = await gauge(url, 'inventory_replenishment_requests_pending', 'store_id');
        expect(after).toEqual({ ...before, [STORE]: before[STORE]! + 1 });
      });
    });
  });
});
