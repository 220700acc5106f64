/**
 * What one checkout and one point-of-sale sale cost (issue 13): SQL statements in each subgraph and
 * calls between subgraphs, through the router on the happy path. Each other subgraph is called once
 * (products for the prices, inventory for the stock), no move re-reads what the run holds, and the
 * writes are batched into single statements.
 */
import type { IncomingMessage } from 'node:http';
import { OpenRegisterDocument } from '../../schema/operations/generated';
import { startStack, type Stack, type StackService } from '../helpers/stack';
import { tokens } from '../helpers/toolkit';
import { addToCart, CARD_OK, newCustomer } from '../subgraphs/ecommerce/helpers';

/** The checkout and the sale as a client sends them, selecting nothing another subgraph resolves. */
const CHECKOUT = `mutation Checkout($input: CheckoutInput!) {
  checkout(input: $input) { order { id status } errors { code } }
}`;
const RECORD_SALE = `mutation RecordSale($input: RecordSaleInput!) {
  recordSale(input: $input) { sale { id status } errors { code } }
}`;

describe('the cost of a checkout and of a sale (statements, calls between subgraphs)', () => {
  let stack: Stack;
  const received: Record<string, number> = { products: 0, inventory: 0, ecommerce: 0, retail: 0 };

  beforeAll(async () => {
    stack = await startStack({
      services: ['products', 'inventory', 'ecommerce', 'retail'],
      seed: true,
      // No background pass adds statements while a flow is counted.
      env: { SAGA_RECOVERY_INTERVAL_MS: '0', SALE_RECOVERY_INTERVAL_MS: '0', RESERVATION_SWEEP_INTERVAL_MS: '600000' },
    });
    for (const name of Object.keys(received) as StackService[]) {
      for (const instance of stack.instances(name)) {
        instance.server.on('request', (req: IncomingMessage) => {
          if (req.url?.startsWith('/graphql')) received[name] = (received[name] ?? 0) + 1;
        });
      }
    }
    // Four seeded subgraphs and a router: like the other full stacks, more than the default 60 s on a busy machine.
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** Statements and received calls of each subgraph while `flow` runs. */
  async function cost(flow: () => Promise<void>) {
    const names: StackService[] = ['products', 'inventory', 'ecommerce', 'retail'];
    const before = await Promise.all(names.map((n) => stack.statements(n)));
    const calls = { ...received };
    await flow();
    const after = await Promise.all(names.map((n) => stack.statements(n)));
    return Object.fromEntries(
      names.map((n, i) => [n, { statements: after[i]! - before[i]!, calls: received[n]! - calls[n]! }]),
    );
  }

  it('a checkout: ecommerce writes in few statements, products and inventory are each called once', async () => {
    const c = await newCustomer(stack.gql, 'costs');
    expect((await addToCart(stack.gql, c, 'prod-0101', 2)).data?.addToCart.errors).toEqual([]);
    expect((await addToCart(stack.gql, c, 'prod-0102', 1)).data?.addToCart.errors).toEqual([]);
    const spent = await cost(async () => {
      const res = await stack.gql(
        CHECKOUT,
        { input: { shippingAddressId: c.addressId, paymentMethod: CARD_OK, idempotencyKey: 'costs-1' } },
        { token: c.token },
      );
      expect(res.body.data).toMatchObject({ checkout: { order: { status: 'CONFIRMED' }, errors: [] } });
    });
    expect(spent).toEqual({
      // The router's one call; the key, address, cart and its lines read in one statement; order,
      // lines, history and saga row written in one; two moves of one statement each; the answer's history.
      ecommerce: { calls: 1, statements: 5 },
      products: { calls: 1, statements: expect.any(Number) },
      // takeStock: one statement (stock, reservation, lines, movements and events together).
      inventory: { calls: 1, statements: 1 },
      retail: { calls: 0, statements: 0 },
    });
    // The products with their prices; each line's `category { id }` is answered from the product row.
    expect(spent.products!.statements).toBeLessThanOrEqual(1);
  });

  it('a sale: retail writes in three statements, products and inventory are each called once', async () => {
    const clerk = tokens.clerk('store-3', 'emp-store-3-clerk-1');
    const opened = await stack.gql(
      OpenRegisterDocument,
      { input: { registerId: 'reg-store-3-1', openingFloat: '50.00' } },
      { token: clerk },
    );
    expect(opened.body.data?.openRegister.errors).toEqual([]);
    const spent = await cost(async () => {
      const res = await stack.gql(
        RECORD_SALE,
        {
          input: {
            storeId: 'store-3',
            registerId: 'reg-store-3-1',
            lines: [
              { productId: 'prod-0103', quantity: 1 },
              { productId: 'prod-0104', quantity: 2 },
            ],
            paymentMethod: 'CARD',
            idempotencyKey: 'costs-sale-1',
          },
        },
        { token: clerk },
      );
      expect(res.body.data).toMatchObject({ recordSale: { sale: { status: 'COMPLETED' }, errors: [] } });
    });
    expect(spent).toEqual({
      // The till and the key read at once; the sale and its lines in one statement; one move with its event.
      retail: { calls: 1, statements: 3 },
      products: { calls: 1, statements: expect.any(Number) },
      inventory: { calls: 1, statements: 1 },
      ecommerce: { calls: 0, statements: 0 },
    });
    // The products with their prices; each line's `category { id }` is answered from the product row.
    expect(spent.products!.statements).toBeLessThanOrEqual(1);
  });
});
