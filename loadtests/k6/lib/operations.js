// @ts-check
/**
 * The GraphQL operations the k6 scripts send, and their variable builders.
 *
 * The operations are the project's client operations, schema/operations/*.graphql: k6 `open()`s
 * those files once, in the init context, and each operation is extracted from them by name, so
 * there is no copy here. test/ops loads this module in Node (with `open` and `import.meta` provided
 * like k6 does) and checks that every operation is the schema/operations one and validates
 * against schema/supergraph.graphql with the variables the builders produce.
 *
 * No k6 module and no __ENV here.
 */

/**
 * @typedef {object} Operation
 * @property {string} name Operation name, also the k6 `operation` tag.
 * @property {string} query The document (one operation), as written in schema/operations.
 */

/** The files of schema/operations (k6 cannot list a folder; test/ops checks this list is complete). */
export const OPERATION_FILES = [
  'catalogue.graphql',
  'ecommerce.graphql',
  'inventory.graphql',
  'reports.graphql',
  'retail.graphql',
];

// Relative to this module (open() alone resolves relative to the entry script, which k6 will change).
const SOURCES = OPERATION_FILES.map((file) => open(import.meta.resolve('../../../schema/operations/' + file)));

/**
 * The text of the operation `name` in GraphQL documents: from its `query`/`mutation`/`subscription`
 * keyword to the brace that closes its selection set (strings and comments are skipped while
 * counting braces).
 * @param {string[]} sources
 * @param {string} name
 * @returns {string}
 */
export function extractOperation(sources, name) {
  // The name ends where its variables or its selection set begin (no look-ahead: k6's regexp engine).
  const head = new RegExp('(^|\\n)(query|mutation|subscription)[ \\t]+' + name + '[ \\t]*[({]');
  for (const source of sources) {
    const match = head.exec(source);
    if (!match) continue;
    const start = match.index + (match[1] || '').length;
    let depth = 0;
    for (let i = start; i < source.length; i++) {
      const c = source[i];
      if (c === '#') {
        const eol = source.indexOf('\n', i);
        i = eol < 0 ? source.length : eol;
      } else if (c === '"' && source.startsWith('"""', i)) {
        const close = source.indexOf('"""', i + 3);
        i = close < 0 ? source.length : close + 2;
      } else if (c === '"') {
        i++;
        while (i < source.length && source[i] !== '"' && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      } else if (c === '{') {
        depth++;
      } else if (c === '}') {
        depth--;
        if (depth === 0) return source.slice(start, i + 1);
      }
    }
    throw new Error('operation ' + name + ' is not closed in schema/operations');
  }
  throw new Error('no operation ' + name + ' in schema/operations');
}

/**
 * @param {string} name
 * @returns {Operation}
 */
function operation(name) {
  return { name, query: extractOperation(SOURCES, name) };
}

export const CatalogPage = operation('CatalogPage');
// Product.salesStats comes from reports, over a period, and needs a MANAGER or ADMIN token (StaffLogin).
export const ProductDetail = operation('ProductDetail');
export const StaffLogin = operation('StaffLogin');
export const RegisterCustomer = operation('RegisterCustomer');
export const Login = operation('Login');
// A new customer has no address, and checkout needs one.
export const AddAddress = operation('AddAddress');
export const AddToCart = operation('AddToCart');
export const Checkout = operation('Checkout');

/** Every operation the scripts send, by name. */
export const OPERATIONS = {
  CatalogPage,
  ProductDetail,
  StaffLogin,
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

/**
 * The period of the sales figures on the back office's product page: the `days` calendar days
 * ending on `today`'s date, both included (reports reads them in the chain's time zone).
 * @param {Date} today
 * @param {number} [days] default 30
 * @returns {{ from: string, to: string }}
 */
export function salesPeriod(today, days) {
  const n = days || 30;
  const day = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 10);
  return { from: day(today.getTime() - (n - 1) * 86400000), to: day(today.getTime()) };
}

/**
 * @param {string} id
 * @param {{ from: string, to: string }} period the days of the sales figures (salesPeriod)
 */
export function productDetailVariables(id, period) {
  return { id, period };
}

/**
 * @param {string} email
 * @param {string} password
 */
export function staffLoginVariables(email, password) {
  return { input: { email, password } };
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
    ProductDetail: productDetailVariables(demoProductId(1), salesPeriod(new Date('2026-12-07T12:00:00Z'))),
    StaffLogin: staffLoginVariables('manager1@staff.example.com', 'staff-password'),
    RegisterCustomer: registerVariables('k6-sample@loadtest.example.com'),
    Login: loginVariables('k6-sample@loadtest.example.com'),
    AddAddress: addAddressVariables(),
    AddToCart: addToCartVariables(demoProductId(1), 1),
    Checkout: checkoutVariables('address-id', 'k6-sample-1'),
  };
}
