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

/**
 * The files of schema/operations that hold the operations the scripts send (k6 cannot list a folder;
 * a file added there for other clients changes nothing here).
 */
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
// A customer signed in again (a rerun with the same RUN_ID): their addresses and what the cart holds.
export const Me = operation('Me');
export const RemoveCartLine = operation('RemoveCartLine');
// A new customer has no address, and checkout needs one.
export const AddAddress = operation('AddAddress');
export const AddToCart = operation('AddToCart');
export const Checkout = operation('Checkout');
// The till: a store's registers (setup), then a register's session, sales, a return.
export const StoreDetail = operation('StoreDetail');
export const StoreStock = operation('StoreStock');
export const AddCashRegister = operation('AddCashRegister');
export const OpenRegister = operation('OpenRegister');
export const RecordSale = operation('RecordSale');
export const ReturnSale = operation('ReturnSale');
export const CloseRegister = operation('CloseRegister');
// The back office: reports, the dashboard, a saved report, replenishment.
export const SalesReport = operation('SalesReport');
export const StorePerformance = operation('StorePerformance');
export const Dashboard = operation('Dashboard');
export const GenerateReport = operation('GenerateReport');
export const RequestReplenishment = operation('RequestReplenishment');
export const ReplenishmentRequests = operation('ReplenishmentRequests');
export const ApproveReplenishment = operation('ApproveReplenishment');

/** Every operation the scripts send, by name. */
export const OPERATIONS = {
  CatalogPage,
  ProductDetail,
  StaffLogin,
  RegisterCustomer,
  Login,
  Me,
  RemoveCartLine,
  AddAddress,
  AddToCart,
  Checkout,
  StoreDetail,
  StoreStock,
  AddCashRegister,
  OpenRegister,
  RecordSale,
  ReturnSale,
  CloseRegister,
  SalesReport,
  StorePerformance,
  Dashboard,
  GenerateReport,
  RequestReplenishment,
  ReplenishmentRequests,
  ApproveReplenishment,
};

// ---------------------------------------------------------------------------------------------
// Choices and variable builders
// ---------------------------------------------------------------------------------------------

/**
 * A uniformly random element of a non-empty list (e.g. the active product ids setup() collected).
 * @template T
 * @param {T[]} list
 * @param {() => number} [random]
 * @returns {T}
 */
export function pick(list, random) {
  if (list.length === 0) throw new Error('pick from an empty list');
  const r = random || Math.random;
  return /** @type {T} */ (list[Math.floor(r() * list.length)]);
}

/**
 * `n` distinct elements of `list` (all of it when shorter), in random order.
 * @template T
 * @param {T[]} list
 * @param {number} n
 * @param {() => number} [random]
 * @returns {T[]}
 */
export function pickDistinct(list, n, random) {
  const r = random || Math.random;
  const rest = list.slice();
  /** @type {T[]} */
  const out = [];
  while (out.length < n && rest.length > 0) {
    out.push(/** @type {T} */ (rest.splice(Math.floor(r() * rest.length), 1)[0]));
  }
  return out;
}

/** Password of every load-test customer (a load-test account, not a secret). */
export const LOADTEST_PASSWORD = 'k6-load-test-password';

/** Authorised by the development payment provider (cards ending 0002 are declined, 0005 time out). */
export const TEST_CARD_NUMBER = '4242424242424242';

/**
 * @param {string | null} after cursor from a previous page, or null for the first page
 * @param {number} [first]
 * @param {{ active?: boolean }} [filter] e.g. { active: true }: products on sale only
 */
export function catalogVariables(after, first, filter) {
  return filter ? { first: first || 20, after, filter } : { first: first || 20, after };
}

/**
 * The `days` calendar days ending on `today`'s date, both included (reports reads them in the
 * chain's time zone).
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

/** @param {string} lineId */
export function removeCartLineVariables(lineId) {
  return { input: { lineId } };
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

/** @param {string} id */
export function storeDetailVariables(id) {
  return { id };
}

/**
 * A store's first 100 stock levels, ordered by product.
 * @param {string} storeId
 */
export function storeStockVariables(storeId) {
  return { storeId, first: 100 };
}

/** @param {string} storeId */
export function addCashRegisterVariables(storeId) {
  return { input: { storeId } };
}

/**
 * @param {string} registerId
 * @param {string} openingFloat e.g. "200.00"
 */
export function openRegisterVariables(registerId, openingFloat) {
  return { input: { registerId, openingFloat } };
}

/**
 * @param {{ storeId: string, registerId: string, productIds: string[], paymentMethod: 'CASH' | 'CARD', idempotencyKey: string }} sale
 */
export function recordSaleVariables(sale) {
  return {
    input: {
      storeId: sale.storeId,
      registerId: sale.registerId,
      lines: sale.productIds.map((productId) => ({ productId, quantity: 1 })),
      paymentMethod: sale.paymentMethod,
      idempotencyKey: sale.idempotencyKey,
    },
  };
}

/**
 * @param {{ saleId: string, registerId: string, saleLineId: string, refundMethod: 'CASH' | 'CARD', idempotencyKey: string }} ret
 */
export function returnSaleVariables(ret) {
  return {
    input: {
      saleId: ret.saleId,
      registerId: ret.registerId,
      lines: [{ saleLineId: ret.saleLineId, quantity: 1 }],
      refundMethod: ret.refundMethod,
      reason: 'k6 load test',
      idempotencyKey: ret.idempotencyKey,
    },
  };
}

/**
 * @param {string} registerId
 * @param {string} countedCash e.g. "254.10"
 */
export function closeRegisterVariables(registerId, countedCash) {
  return { input: { registerId, countedCash } };
}

/** @param {{ from: string, to: string }} period */
export function salesReportVariables(period) {
  return { period };
}

/**
 * @param {string} id a store id
 * @param {{ from: string, to: string }} period
 */
export function storePerformanceVariables(id, period) {
  return { id, period };
}

/** @param {{ from: string, to: string }} period */
export function generateReportVariables(period) {
  return { input: { type: 'SALES', period } };
}

/** @param {{ productId: string, quantity: number }[]} lines */
export function requestReplenishmentVariables(lines) {
  return { input: { lines, note: 'k6 load test' } };
}

/** @param {string} storeId */
export function pendingReplenishmentsVariables(storeId) {
  return { status: 'PENDING', storeId, first: 20 };
}

/** @param {string} requestId */
export function approveReplenishmentVariables(requestId) {
  return { input: { requestId, note: 'k6 load test' } };
}

/**
 * Adds decimal amounts ("12.50") in cents, so a till's expected cash is exact.
 * @param {...string} amounts
 * @returns {number} cents
 */
export function cents(...amounts) {
  let total = 0;
  for (const a of amounts) {
    const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(a);
    if (!m) throw new Error('not an amount: ' + a);
    const value = Number(m[2]) * 100 + Number(((m[3] || '') + '00').slice(0, 2));
    total += m[1] ? -value : value;
  }
  return total;
}

/**
 * @param {number} c cents
 * @returns {string} e.g. "254.10"
 */
export function amount(c) {
  const sign = c < 0 ? '-' : '';
  const abs = Math.abs(c);
  return sign + Math.floor(abs / 100) + '.' + String(abs % 100).padStart(2, '0');
}

/**
 * One sample of the variables each operation is sent with, for schema validation in test/ops.
 * @returns {Record<string, Record<string, unknown>>}
 */
export function sampleVariables() {
  const period = salesPeriod(new Date('2026-12-07T12:00:00Z'));
  return {
    CatalogPage: catalogVariables(null, 100, { active: true }),
    ProductDetail: productDetailVariables('prod-0001', period),
    StaffLogin: staffLoginVariables('manager1@staff.example.com', 'staff-password'),
    RegisterCustomer: registerVariables('k6-sample@loadtest.example.com'),
    Login: loginVariables('k6-sample@loadtest.example.com'),
    Me: {},
    RemoveCartLine: removeCartLineVariables('line-id'),
    AddAddress: addAddressVariables(),
    AddToCart: addToCartVariables('prod-0001', 1),
    Checkout: checkoutVariables('address-id', 'k6-sample-1'),
    StoreDetail: storeDetailVariables('store-1'),
    StoreStock: storeStockVariables('store-1'),
    AddCashRegister: addCashRegisterVariables('store-1'),
    OpenRegister: openRegisterVariables('reg-store-1-1', '200.00'),
    RecordSale: recordSaleVariables({
      storeId: 'store-1',
      registerId: 'reg-store-1-1',
      productIds: ['prod-0001', 'prod-0002'],
      paymentMethod: 'CASH',
      idempotencyKey: 'k6-sample-sale',
    }),
    ReturnSale: returnSaleVariables({
      saleId: 'sale-id',
      registerId: 'reg-store-1-1',
      saleLineId: 'sale-line-id',
      refundMethod: 'CASH',
      idempotencyKey: 'k6-sample-return',
    }),
    CloseRegister: closeRegisterVariables('reg-store-1-1', '254.10'),
    SalesReport: salesReportVariables(period),
    StorePerformance: storePerformanceVariables('store-1', period),
    Dashboard: {},
    GenerateReport: generateReportVariables(salesPeriod(new Date('2026-12-07T12:00:00Z'), 7)),
    RequestReplenishment: requestReplenishmentVariables([{ productId: 'prod-0001', quantity: 2 }]),
    ReplenishmentRequests: pendingReplenishmentsVariables('store-1'),
    ApproveReplenishment: approveReplenishmentVariables('request-id'),
  };
}
