/**
 * The kit's clients against the real subgraphs they call (a products and two inventory instances on
 * fresh, seeded databases): what ecommerce's checkout relies on and retail will rely on.
 */
import { createServer, type Socket } from 'node:net';
import { createMetrics, demoProductId, publicError, ServiceUnavailable } from '../../../subgraphs/kit';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { freePort } from '../../helpers/toolkit';
import { startInventory, type RunningInventory } from '../../../subgraphs/inventory/server';
import { graphqlRequests as requests, startProducts, type TestProducts } from '../../subgraphs/inventory/helpers';
import { seedInventory } from '../../../subgraphs/inventory/seed';
import { closeHttpAgent, InventoryClient, productLoader, ProductsClient } from '../../../subgraphs/kit/clients';

let products: TestProducts;
let db: TestDatabase;
let inventory: RunningInventory[];
let deadUrl: string;

beforeAll(async () => {
  products = await startProducts('kit_clients');
  db = await freshDatabase('kit_clients_inventory');
  // No outbox relay: these tests read no events, and it would publish to the default prefix's stream.
  const first = await startInventory({ dbUrl: db.url, port: 0, productsUrl: products.url, outboxRelay: false });
  await seedInventory(first.orm);
  inventory = [first, await startInventory({ dbUrl: db.url, port: 0, runMigrations: false, outboxRelay: false })];
  deadUrl = `http://127.0.0.1:${await freePort()}/graphql`;
}, 60_000);

afterAll(async () => {
  await closeHttpAgent();
  await Promise.all((inventory ?? []).map((i) => i.stop()));
  await db?.drop();
  await products?.stop();
});

describe('ProductsClient', () => {
  it('answers in the order asked, null for an unknown id, a withdrawn product with active false', async () => {
    const withdrawn = await products.create('Withdrawn');
    await products.setActive(withdrawn, false);
    const client = new ProductsClient(products.url, { caller: 'inventory' });
    const [a, missing, gone] = await client.fetchMany([demoProductId(5), 'prod-unknown', withdrawn]);
    expect(a).toEqual({
      id: demoProductId(5),
      name: expect.any(String),
      active: expect.any(Boolean),
      priceCents: expect.any(Number),
      currency: 'CAD',
      categoryId: expect.stringMatching(/^cat-/),
    });
    expect(missing).toBeNull();
    expect(gone).toMatchObject({ id: withdrawn, name: 'Withdrawn', active: false });
  });

  it('batches one tick of lookups into one request, and asks nothing for no ids', async () => {
    const client = new ProductsClient(products.url, { caller: 'inventory' });
    const before = await requests(products.running);
    expect(await client.fetchMany([])).toEqual([]);
    const loader = productLoader(() => client, createMetrics('test'));
    const found = await Promise.all([1, 2, 3].map((n) => loader.load(demoProductId(n))));
    expect(found.map((p) => p?.id)).toEqual([demoProductId(1), demoProductId(2), demoProductId(3)]);
    expect((await requests(products.running)) - before).toBe(1);
  });

  it('throws ServiceUnavailable("products") when there is no answer or no usable one', async () => {
    // Nobody listening; then a GraphQL server that has no Product fields of that shape (inventory).
    for (const url of [deadUrl, inventory[0]!.url]) {
      const err = await new ProductsClient(url, { caller: 'inventory' }).fetchMany(['prod-0001']).catch((e) => e);
      expect(err).toBeInstanceOf(ServiceUnavailable);
      expect(err).toMatchObject({ service: 'products', message: 'The products service is unavailable; try again' });
      expect(String(err.message)).not.toContain('127.0.0.1');
      expect(String((err.cause as Error).message)).toMatch(/127\.0\.0\.1|products lookup failed/);
      // What a client is told: the router's code for a subgraph it cannot reach.
      expect(publicError(err)).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        message: 'The products service is unavailable; try again',
        extensions: { serviceName: 'products' },
      });
    }
  });

  it('gives up after its timeout', async () => {
    // A server that accepts the connection and never answers.
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const client = new ProductsClient(`http://127.0.0.1:${port}/graphql`, { caller: 'inventory', timeoutMs: 300 });
      await expect(client.fetchMany(['prod-0001'])).rejects.toBeInstanceOf(ServiceUnavailable);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('InventoryClient', () => {
  const line = (n: number, quantity = 1) => [{ productId: demoProductId(n), quantity }];

  it('reserves (online by default, or at a given location), commits and releases, idempotently', async () => {
    const client = new InventoryClient(inventory[0]!.url, { caller: 'ecommerce' });
    const reserved = await client.reserve('kit-order-1', line(21, 2), 900);
    expect(reserved).toEqual({ ok: true, value: { reservationId: expect.any(String) } });
    expect(await client.reserve('kit-order-1', line(21, 2), 900)).toEqual(reserved);
    expect(await client.commit('kit-order-1')).toEqual({ ok: true, value: undefined });
    expect(await client.commit('kit-order-1')).toEqual({ ok: true, value: undefined });

    const atStore = await client.reserve('kit-order-2', line(22), 900, 'loc-store-3');
    expect(atStore.ok).toBe(true);
    // A reason longer than inventory keeps is cut by the client, so a compensation never fails on it.
    expect(await client.release('kit-order-2', 'x'.repeat(2_000))).toEqual({ ok: true, value: undefined });
  });

  it('reports business refusals as definitive and answers without a payload as transient', async () => {
    const client = new InventoryClient(inventory[0]!.url, { caller: 'ecommerce' });
    expect(await client.commit('kit-order-never-reserved')).toEqual({
      ok: false,
      transient: false,
      code: 'RESERVATION_NOT_FOUND',
      message: expect.any(String),
    });
    expect(await client.reserve('kit-order-3', line(23, 2_000_000), 900)).toMatchObject({
      ok: false,
      transient: false,
      code: 'INVALID_QUANTITY',
    });
    // A GraphQL server without the saga fields (products): a GraphQL error, outcome unknown.
    const wrong = new InventoryClient(products.url, { caller: 'ecommerce' });
    expect(await wrong.commit('kit-order-1')).toMatchObject({
      ok: false,
      transient: true,
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
  });

  it('goes round-robin over the replicas', async () => {
    const client = new InventoryClient(
      inventory.map((i) => i.url),
      { caller: 'ecommerce' },
    );
    const before = await Promise.all(inventory.map(requests));
    for (let i = 0; i < 4; i += 1) expect((await client.commit(`kit-rr-${i}`)).ok).toBe(false);
    const after = await Promise.all(inventory.map(requests));
    expect(after.map((n, i) => n - before[i]!)).toEqual([2, 2]);
  });

  it('retries a call that got no answer once on the next replica; none answering is INVENTORY_UNAVAILABLE', async () => {
    const client = new InventoryClient([deadUrl, inventory[1]!.url].join(','), { caller: 'ecommerce' });
    for (let i = 0; i < 3; i += 1) {
      expect(await client.reserve(`kit-retry-${i}`, line(24), 900)).toMatchObject({ ok: true });
    }
    const none = new InventoryClient([deadUrl], { caller: 'ecommerce', timeoutMs: 1_000 });
    expect(await none.commit('kit-retry-0')).toEqual({
      ok: false,
      transient: true,
      code: 'INVENTORY_UNAVAILABLE',
      message: expect.stringContaining('failed'),
    });
  });
});
