/**
 * Shared by ecommerce's e2e tests (test/e2e/checkout*.e2e.test.ts, identity*.e2e.test.ts): the
 * operations (./operations.ts, re-exported), and small drivers for customers, carts and stock.
 */
import { Client } from 'pg';
import { ONLINE_LOCATION_ID, signToken } from '../kit';
import { CONTRACT, ECOMMERCE_OPS } from './operations';

export { CONTRACT };

/** The ecommerce operations, plus the products and inventory ones the tests drive stock and prices with. */
// prettier-ignore
export const OPS = {
  ...ECOMMERCE_OPS,
  StockAt: /* GraphQL */ `
    query StockAt($id: ID!) {
      product(id: $id) {
        id
        stock { levels { location { id } onHand reserved available } }
      }
    }
  `,
  AdjustStock: /* GraphQL */ `
    mutation AdjustStock($input: AdjustStockInput!) {
      adjustStock(input: $input) {
        level { onHand available }
        errors { code field message }
      }
    }
  `,
  ChangeProductPrice: /* GraphQL */ `
    mutation ChangeProductPrice($input: ChangeProductPriceInput!) {
      changeProductPrice(input: $input) {
        product { id price { amount } }
        errors { code message }
      }
    }
  `,
  UpdateProduct: /* GraphQL */ `
    mutation UpdateProduct($input: UpdateProductInput!) {
      updateProduct(input: $input) {
        product { id active }
        errors { code message }
      }
    }
  `,
} as const;

export const adminToken = (): string => signToken({ sub: 'emp-admin', role: 'ADMIN' });

export const CARD_OK = { cardNumber: '4242 4242 4242 4242', expiryMonth: 12, expiryYear: 2099, cvc: '123' };
export const CARD_DECLINED = { ...CARD_OK, cardNumber: '4000 0000 0000 0002' };
export const CARD_TIMEOUT = { ...CARD_OK, cardNumber: '4000 0000 0000 0005' };

export const ADDRESS = {
  line1: '1200 rue Sainte-Catherine O',
  city: 'Montréal',
  region: 'QC',
  postalCode: 'h3b 1a7',
  country: 'ca',
};

/** Anything with the stack's gql signature (test/helpers/stack.ts). */
export interface Gql {
  (
    query: string,
    variables?: Record<string, unknown>,
    opts?: { token?: string },
    // GraphQL JSON bodies are shaped by each query; tests narrow what they read.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any }>;
}

export interface TestCustomer {
  id: string;
  email: string;
  token: string;
  addressId: string;
}

let counter = 0;

/** Registers a customer with one (default) address. */
export async function newCustomer(gql: Gql, prefix = 'shopper'): Promise<TestCustomer> {
  counter += 1;
  const email = `${prefix}-${process.pid}-${Date.now()}-${counter}@example.com`;
  const reg = await gql(CONTRACT.RegisterCustomer, {
    input: { email, password: 'long-enough-pw', firstName: 'Test', lastName: `Customer ${counter}` },
  });
  const payload = reg.body.data?.registerCustomer;
  if (!payload?.token) throw new Error(`registration failed: ${JSON.stringify(reg.body)}`);
  const addr = await gql(OPS.AddAddress, { input: { address: ADDRESS } }, { token: payload.token });
  const addressId = addr.body.data?.addAddress?.address?.id as string | undefined;
  if (!addressId) throw new Error(`addAddress failed: ${JSON.stringify(addr.body)}`);
  return { id: payload.customer.id, email, token: payload.token, addressId };
}

export async function addToCart(gql: Gql, c: TestCustomer, productId: string, quantity: number) {
  const res = await gql(CONTRACT.AddToCart, { input: { productId, quantity } }, { token: c.token });
  return res.body;
}

export async function checkout(
  gql: Gql,
  c: TestCustomer,
  opts: { key?: string; card?: Record<string, unknown>; shippingAddressId?: string } = {},
) {
  const res = await gql(
    CONTRACT.Checkout,
    {
      input: {
        shippingAddressId: opts.shippingAddressId ?? c.addressId,
        paymentMethod: opts.card ?? CARD_OK,
        idempotencyKey: opts.key ?? `key-${Date.now()}-${Math.random()}`,
      },
    },
    { token: c.token },
  );
  return res;
}

export interface Level {
  onHand: number;
  reserved: number;
  available: number;
}

/** The product's stock at the ONLINE location, read through the router. */
export async function onlineStock(gql: Gql, productId: string): Promise<Level> {
  const res = await gql(OPS.StockAt, { id: productId });
  const levels = res.body.data?.product?.stock?.levels as ({ location: { id: string } } & Level)[] | undefined;
  const level = levels?.find((l) => l.location.id === ONLINE_LOCATION_ID);
  return level
    ? { onHand: level.onHand, reserved: level.reserved, available: level.available }
    : { onHand: 0, reserved: 0, available: 0 };
}

/** Sets the product's ONLINE onHand to `target` with adjustStock (ADMIN), as a RECEIPT or ADJUSTMENT. */
export async function setOnlineStock(gql: Gql, productId: string, target: number): Promise<void> {
  const now = await onlineStock(gql, productId);
  const delta = target - now.onHand;
  if (delta === 0) return;
  const res = await gql(
    OPS.AdjustStock,
    { input: { productId, locationId: ONLINE_LOCATION_ID, delta, reason: 'ADJUSTMENT', note: 'test setup' } },
    { token: adminToken() },
  );
  const errors = res.body.data?.adjustStock?.errors;
  if (!res.body.data?.adjustStock || errors?.length) throw new Error(`adjustStock failed: ${JSON.stringify(res.body)}`);
}

/** Runs SQL against a subgraph's database (row counts, saga rows). */
export async function sqlRows<T>(dbUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function countRows(dbUrl: string, table: string): Promise<number> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table ${table}`);
  const [row] = await sqlRows<{ n: string }>(dbUrl, `select count(*) as n from ${table}`);
  return Number(row?.n ?? 0);
}

/** Counts of every ecommerce table, to assert that a refused mutation wrote nothing. */
export async function ecommerceCounts(dbUrl: string): Promise<Record<string, number>> {
  const tables = [
    'customers',
    'addresses',
    'carts',
    'cart_lines',
    'orders',
    'order_lines',
    'order_status_changes',
    'checkout_sagas',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await countRows(dbUrl, t);
  return out;
}

export async function waitFor<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
