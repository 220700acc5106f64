// @ts-check
/**
 * GraphQL operations and variable builders used by the k6 scripts.
 *
 * Pure data and pure functions: no k6 module and no __ENV here, so test/ops loads this file in Node
 * to parse every operation, validate it against schema/supergraph.graphql and check the variables
 * the builders produce against the schema's input types.
 *
 * Operations marked `contract: true` are copied verbatim from the client contract
 * (shared contract/operations.graphql); test/ops checks they have not drifted from it.
 * `subgraphs` lists every subgraph the operation's fields come from; an operation whose subgraph is
 * not composed yet (retail, reports come later) is skipped by the validation test, not ignored.
 */

/** @typedef {'products' | 'inventory' | 'ecommerce' | 'retail' | 'reports'} SubgraphName */

/**
 * @typedef {object} Operation
 * @property {string} name Operation name, also the k6 `operation` tag.
 * @property {SubgraphName[]} subgraphs Subgraphs that serve its fields.
 * @property {boolean} contract True when the text is the client contract's.
 * @property {string} query The document (one operation).
 */

/**
 * @param {string} name
 * @param {SubgraphName[]} subgraphs
 * @param {boolean} contract
 * @param {string} query
 * @returns {Operation}
 */
function operation(name, subgraphs, contract, query) {
  return { name, subgraphs, contract, query: query.trim() };
}

export const CatalogPage = operation(
  'CatalogPage',
  ['products', 'inventory'],
  true,
  `
query CatalogPage($first: Int!, $after: String, $filter: ProductFilter) {
  products(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id sku name
        price { amount currency }
        category { id name }
        stock { available }
      }
    }
  }
}`,
);

export const ProductDetail = operation(
  'ProductDetail',
  // salesStats comes from reports.
  ['products', 'inventory', 'reports'],
  true,
  `
query ProductDetail($id: ID!) {
  product(id: $id) {
    id sku name description active
    price { amount currency }
    category { id name parent { id name } }
    stock {
      onHand reserved available
      levels { location { id name kind } onHand reserved available reorderPoint }
    }
    salesStats(period: { from: "2026-01-01", to: "2026-12-31" }) { unitsSold revenue { amount currency } }
  }
}`,
);

export const RegisterCustomer = operation(
  'RegisterCustomer',
  ['ecommerce'],
  true,
  `
mutation RegisterCustomer($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    token
    customer { id email firstName lastName }
    errors { code field message }
  }
}`,
);

export const Login = operation(
  'Login',
  ['ecommerce'],
  true,
  `
mutation Login($input: LoginInput!) {
  login(input: $input) {
    token
    customer { id email }
    errors { code field message }
  }
}`,
);

/** Not in the contract: checkout needs a shipping address, and a new customer has none. */
export const AddAddress = operation(
  'AddAddress',
  ['ecommerce'],
  false,
  `
mutation AddAddress($input: AddAddressInput!) {
  addAddress(input: $input) {
    address { id isDefault }
    errors { code field message }
  }
}`,
);

export const AddToCart = operation(
  'AddToCart',
  ['ecommerce', 'products'],
  true,
  `
mutation AddToCart($input: AddToCartInput!) {
  addToCart(input: $input) {
    cart { id itemCount subtotal { amount currency } lines { id quantity product { id name } } }
    errors { code field message }
  }
}`,
);

export const Checkout = operation(
  'Checkout',
  ['ecommerce', 'products'],
  true,
  `
mutation Checkout($input: CheckoutInput!) {
  checkout(input: $input) {
    order {
      id number status
      total { amount currency }
      lines { product { id name } quantity unitPrice { amount currency } }
      history { status at note }
    }
    errors { code field message }
  }
}`,
);

/** Every operation the scripts send, by name. */
export const OPERATIONS = {
  CatalogPage,
  ProductDetail,
  RegisterCustomer,
  Login,
  AddAddress,
  AddToCart,
  Checkout,
};

// ---------------------------------------------------------------------------------------------
// Demo data (subgraphs/kit/demo-ids.ts) and variable builders
// ---------------------------------------------------------------------------------------------

export const DEMO_PRODUCT_COUNT = 300;

/**
 * prod-0001 .. prod-0300, as in subgraphs/kit/demo-ids.ts.
 * @param {number} n 1-based
 * @returns {string}
 */
export function demoProductId(n) {
  return 'prod-' + String(n).padStart(4, '0');
}

/**
 * A uniformly random demo product id.
 * @param {() => number} [random]
 * @returns {string}
 */
export function randomProductId(random) {
  const r = random || Math.random;
  return demoProductId(1 + Math.floor(r() * DEMO_PRODUCT_COUNT));
}

/** Password of every load-test customer (a load-test account, not a secret). */
export const LOADTEST_PASSWORD = 'k6-load-test-password';

/** Authorised by the development payment provider (cards ending 0002 are declined, 0005 time out). */
export const TEST_CARD_NUMBER = '4242424242424242';

/**
 * @param {string | null} after cursor from a previous page, or null for the first page
 * @param {number} [first]
 */
export function catalogVariables(after, first) {
  return { first: first || 20, after };
}

/** @param {string} id */
export function productDetailVariables(id) {
  return { id };
}

/** @param {string} email */
export function registerVariables(email) {
  return { input: { email, password: LOADTEST_PASSWORD, firstName: 'Load', lastName: 'Test' } };
}

/** @param {string} email */
export function loginVariables(email) {
  return { input: { email, password: LOADTEST_PASSWORD } };
}

export function addAddressVariables() {
  return {
    input: {
      address: {
        recipient: 'Load Test',
        line1: '1200 rue Sainte-Catherine O',
        city: 'Montréal',
        region: 'QC',
        postalCode: 'H3B 1K9',
        country: 'CA',
        isDefault: true,
      },
    },
  };
}

/**
 * @param {string} productId
 * @param {number} quantity
 */
export function addToCartVariables(productId, quantity) {
  return { input: { productId, quantity } };
}

/**
 * @param {string} shippingAddressId
 * @param {string} idempotencyKey unique per checkout attempt; repeating it must return the same order
 */
export function checkoutVariables(shippingAddressId, idempotencyKey) {
  return {
    input: {
      shippingAddressId,
      idempotencyKey,
      paymentMethod: {
        cardNumber: TEST_CARD_NUMBER,
        expiryMonth: 12,
        expiryYear: new Date().getFullYear() + 3,
        cvc: '123',
        holderName: 'Load Test',
      },
    },
  };
}

/**
 * One sample of the variables each operation is sent with, for schema validation in test/ops.
 * @returns {Record<string, Record<string, unknown>>}
 */
export function sampleVariables() {
  return {
    CatalogPage: catalogVariables(null, 20),
    ProductDetail: productDetailVariables(demoProductId(1)),
    RegisterCustomer: registerVariables('k6-sample@loadtest.example.com'),
    Login: loginVariables('k6-sample@loadtest.example.com'),
    AddAddress: addAddressVariables(),
    AddToCart: addToCartVariables(demoProductId(1), 1),
    Checkout: checkoutVariables('address-id', 'k6-sample-1'),
  };
}
