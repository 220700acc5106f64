/**
 * Every subgraph's UserError codes (ADR 0021), one test over the subgraphs: the domain's helper takes
 * only the subgraph's enum values (a misspelled code does not compile), the enum in the SDL is the
 * list codegen made, each value described, and input hygiene gets a code of the enum for each field
 * with text rules of its own (TEXT_CODES). What one subgraph adds (relayed codes, its input hygiene
 * through its schema) is tested in its own errors.unit.test.ts. No I/O.
 */
import { isEnumType, type GraphQLSchema } from 'graphql';
import type { UserError } from '../subgraphs/kit';
import * as ecommerce from '../subgraphs/ecommerce/domain/errors';
import { ECOMMERCE_ERROR_CODES } from '../subgraphs/ecommerce/generated/error-codes';
import { schema as ecommerceSchema } from '../subgraphs/ecommerce/server';
import * as inventory from '../subgraphs/inventory/domain/errors';
import { INVENTORY_ERROR_CODES } from '../subgraphs/inventory/generated/error-codes';
import { schema as inventorySchema } from '../subgraphs/inventory/server';
import * as products from '../subgraphs/products/domain/errors';
import { PRODUCTS_ERROR_CODES } from '../subgraphs/products/generated/error-codes';
import { schema as productsSchema } from '../subgraphs/products/server';
import * as reports from '../subgraphs/reports/domain/errors';
import { REPORTS_ERROR_CODES } from '../subgraphs/reports/generated/error-codes';
import { schema as reportsSchema } from '../subgraphs/reports/server';
import * as retail from '../subgraphs/retail/domain/errors';
import { RETAIL_ERROR_CODES } from '../subgraphs/retail/generated/error-codes';
import { schema as retailSchema } from '../subgraphs/retail/server';

interface Subgraph {
  /** The enum's name in the SDL. */
  enumName: string;
  schema: GraphQLSchema;
  /** The list codegen made (generated/error-codes.ts), which the domain's helper checks. */
  codes: readonly string[];
  /** The domain's TEXT_CODES ({} for a subgraph with no field of its own rules), and some it must hold. */
  textCodes: Readonly<Record<string, string>>;
  someTextCodes: Readonly<Record<string, string>>;
  /** A UserError made with the domain's helper, and what it must be. */
  made: UserError;
  expected: UserError;
  /** A misspelled code and the helper given it: `npm run typecheck` fails without the marker above its line. */
  misspelt: [code: string, make: () => UserError];
}

const SUBGRAPHS: Subgraph[] = [
  {
    enumName: 'EcommerceErrorCode',
    schema: ecommerceSchema,
    codes: ECOMMERCE_ERROR_CODES,
    textCodes: ecommerce.TEXT_CODES,
    someTextCodes: { note: 'INVALID_NOTE', reason: 'INVALID_REASON', idempotencyKey: 'INVALID_IDEMPOTENCY_KEY' },
    made: ecommerce.userError('CART_FULL', 'A cart holds at most 100 products', ['input', 'productId']),
    expected: { code: 'CART_FULL', field: ['input', 'productId'], message: 'A cart holds at most 100 products' },
    // @ts-expect-error CART_FUL is not an EcommerceErrorCode: `npm run typecheck` fails without this line's marker.
    misspelt: ['CART_FUL', () => ecommerce.userError('CART_FUL', 'x')],
  },
  {
    enumName: 'InventoryErrorCode',
    schema: inventorySchema,
    codes: INVENTORY_ERROR_CODES,
    textCodes: {},
    someTextCodes: {},
    made: inventory.userError('INSUFFICIENT_STOCK', 'Only 2 left', ['input', 'lines']),
    expected: { code: 'INSUFFICIENT_STOCK', field: ['input', 'lines'], message: 'Only 2 left' },
    // @ts-expect-error INSUFFICIENT_STOK is not an InventoryErrorCode: `npm run typecheck` fails without this line's marker.
    misspelt: ['INSUFFICIENT_STOK', () => inventory.userError('INSUFFICIENT_STOK', 'x')],
  },
  {
    enumName: 'ProductsErrorCode',
    schema: productsSchema,
    codes: PRODUCTS_ERROR_CODES,
    textCodes: products.TEXT_CODES,
    someTextCodes: { sku: 'INVALID_SKU', reason: 'INVALID_REASON' },
    made: products.userError('DUPLICATE_SKU', 'SKU-0001 is taken', ['input', 'sku']),
    expected: { code: 'DUPLICATE_SKU', field: ['input', 'sku'], message: 'SKU-0001 is taken' },
    // @ts-expect-error DUPLICATE_SKUS is not a ProductsErrorCode: `npm run typecheck` fails without this line's marker.
    misspelt: ['DUPLICATE_SKUS', () => products.userError('DUPLICATE_SKUS', 'x')],
  },
  {
    enumName: 'ReportsErrorCode',
    schema: reportsSchema,
    codes: REPORTS_ERROR_CODES,
    textCodes: reports.TEXT_CODES,
    someTextCodes: { storeId: 'INVALID_STORE' },
    made: reports.userError('INVALID_PERIOD', 'The period ends before it starts', ['input', 'period']),
    expected: { code: 'INVALID_PERIOD', field: ['input', 'period'], message: 'The period ends before it starts' },
    // @ts-expect-error INVALID_PERIODS is not a ReportsErrorCode: `npm run typecheck` fails without this line's marker.
    misspelt: ['INVALID_PERIODS', () => reports.userError('INVALID_PERIODS', 'x')],
  },
  {
    enumName: 'RetailErrorCode',
    schema: retailSchema,
    codes: RETAIL_ERROR_CODES,
    textCodes: retail.TEXT_CODES,
    someTextCodes: { note: 'INVALID_NOTE', reason: 'INVALID_REASON', idempotencyKey: 'INVALID_IDEMPOTENCY_KEY' },
    made: retail.userError('INVALID_NOTE', 'Note is too long', ['input', 'note']),
    expected: { code: 'INVALID_NOTE', field: ['input', 'note'], message: 'Note is too long' },
    // @ts-expect-error INVALID_NOTES is not a RetailErrorCode: `npm run typecheck` fails without this line's marker.
    misspelt: ['INVALID_NOTES', () => retail.userError('INVALID_NOTES', 'x')],
  },
];

describe.each(SUBGRAPHS)('$enumName', (subgraph) => {
  it("is the SDL's enum, each value with a description, the list the domain's helper checks", () => {
    const codes = subgraph.schema.getType(subgraph.enumName);
    if (!isEnumType(codes)) throw new Error(`${subgraph.enumName} is not an enum of the SDL`);
    const values = codes.getValues();
    expect(values.map((v) => v.name)).toEqual([...subgraph.codes]);
    expect(values.filter((v) => !v.description?.trim()).map((v) => v.name)).toEqual([]);
  });

  it('types the helper: a misspelled code does not compile', () => {
    expect(subgraph.made).toEqual(subgraph.expected);
    const [code, make] = subgraph.misspelt;
    expect(make().code).toBe(code);
  });

  it('gives input hygiene a code of the enum for each field with text rules of its own', () => {
    const listed = new Set<string>(subgraph.codes);
    expect(Object.entries(subgraph.textCodes).filter(([, code]) => !listed.has(code))).toEqual([]);
    expect(subgraph.textCodes).toMatchObject(subgraph.someTextCodes);
  });
});
