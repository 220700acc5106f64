/**
 * Ecommerce fixtures for the e2e tests (test/e2e/checkout*.e2e.test.ts, identity.e2e.test.ts) and the
 * saga subgraph test: cards, an address, and small drivers for customers, carts and online stock. They
 * send the client operations of schema/operations (typed documents) through the toolkit's client
 * (test/helpers/toolkit.ts), which is also where tokens and waitFor come from.
 */
import { Client } from 'pg';
import {
  AddAddressDocument,
  AddToCartDocument,
  AdjustStockDocument,
  CheckoutDocument,
  ProductStockLevelsDocument,
  RegisterCustomerDocument,
  type AddAddressMutation,
  type AdjustStockMutation,
  type ProductStockLevelsQuery,
  type RegisterCustomerMutation,
} from '../../../schema/operations/generated';
import { tokens, type GqlOptions, type GqlResult, type Query } from '../../helpers/toolkit';
import { ONLINE_LOCATION_ID } from '../../../subgraphs/kit';

/**
 * The toolkit's client (a stack's `gql`) as these drivers and the e2e tests take it: any document,
 * results read without declaring their shape. The drivers type what they read themselves (each
 * result annotated with its operation's generated type); a test does the same with what a driver
 * returns (`const res: GqlResult<CheckoutMutation> = await checkout(...)`).
 */
export type Gql = (
  // Documents of every operation pass through one parameter; each call site knows its own types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query: Query<any, any>,
  variables?: Record<string, unknown>,
  opts?: GqlOptions,
  // GraphQL JSON bodies are shaped by each query; tests narrow what they read.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
) => Promise<Omit<GqlResult, 'body'> & { body: any }>;

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
  const reg: GqlResult<RegisterCustomerMutation> = await gql(RegisterCustomerDocument, {
    input: { email, password: 'long-enough-pw', firstName: 'Test', lastName: `Customer ${counter}` },
  });
  const payload = reg.body.data?.registerCustomer;
  if (!payload?.token || !payload.customer) throw new Error(`registration failed: ${JSON.stringify(reg.body)}`);
  const addr: GqlResult<AddAddressMutation> = await gql(
    AddAddressDocument,
    { input: { address: ADDRESS } },
    { token: payload.token },
  );
  const addressId = addr.body.data?.addAddress.address?.id;
  if (!addressId) throw new Error(`addAddress failed: ${JSON.stringify(addr.body)}`);
  return { id: payload.customer.id, email, token: payload.token, addressId };
}

export async function addToCart(gql: Gql, c: TestCustomer, productId: string, quantity: number) {
  const res = await gql(AddToCartDocument, { input: { productId, quantity } }, { token: c.token });
  return res.body;
}

export async function checkout(
  gql: Gql,
  c: TestCustomer,
  opts: { key?: string; card?: Record<string, unknown>; shippingAddressId?: string } = {},
) {
  const res = await gql(
    CheckoutDocument,
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
  const res: GqlResult<ProductStockLevelsQuery> = await gql(ProductStockLevelsDocument, { id: productId });
  const level = res.body.data?.product?.stock.levels.find((l) => l.location.id === ONLINE_LOCATION_ID);
  return level
    ? { onHand: level.onHand, reserved: level.reserved, available: level.available }
    : { onHand: 0, reserved: 0, available: 0 };
}

/** Sets the product's ONLINE onHand to `target` with adjustStock (ADMIN), as a RECEIPT or ADJUSTMENT. */
export async function setOnlineStock(gql: Gql, productId: string, target: number): Promise<void> {
  const now = await onlineStock(gql, productId);
  const delta = target - now.onHand;
  if (delta === 0) return;
  const res: GqlResult<AdjustStockMutation> = await gql(
    AdjustStockDocument,
    { input: { productId, locationId: ONLINE_LOCATION_ID, delta, reason: 'ADJUSTMENT', note: 'test setup' } },
    { token: tokens.admin() },
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
    // A refused mutation writes no event either.
    'outbox',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await countRows(dbUrl, t);
  return out;
}
