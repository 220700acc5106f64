/**
 * Retail's UserError codes (ADR 0021): the helper takes only RetailErrorCode values (a misspelled code
 * does not compile), the enum in the SDL is the list codegen made, each value described, and a code
 * another subgraph answered with is kept when retail lists it and INVENTORY_REFUSED otherwise. No I/O.
 */
import { isEnumType } from 'graphql';
import { codeOr, relayed, TEXT_CODES, userError } from '../../../subgraphs/retail/domain/errors';
import { RETAIL_ERROR_CODES } from '../../../subgraphs/retail/generated/error-codes';
import { schema } from '../../../subgraphs/retail/server';

describe('RetailErrorCode', () => {
  const codes = schema.getType('RetailErrorCode');

  it("is the SDL's enum, each value with a description, the list the domain's helper checks", () => {
    if (!isEnumType(codes)) throw new Error('RetailErrorCode is not an enum of the SDL');
    const values = codes.getValues();
    expect(values.map((v) => v.name)).toEqual([...RETAIL_ERROR_CODES]);
    expect(values.filter((v) => !v.description?.trim()).map((v) => v.name)).toEqual([]);
  });

  it('types the helper: a misspelled code does not compile', () => {
    expect(userError('INVALID_NOTE', 'Note is too long', ['input', 'note'])).toEqual({
      code: 'INVALID_NOTE',
      field: ['input', 'note'],
      message: 'Note is too long',
    });
    // @ts-expect-error INVALID_NOTES is not a RetailErrorCode: `npm run typecheck` fails without this line's marker.
    expect(userError('INVALID_NOTES', 'x').code).toBe('INVALID_NOTES');
  });

  it("keeps another subgraph's code retail lists, and answers INVENTORY_REFUSED for any other", () => {
    expect(relayed('INSUFFICIENT_STOCK', 'Only 2 left', ['input', 'lines'])).toEqual({
      code: 'INSUFFICIENT_STOCK',
      field: ['input', 'lines'],
      message: 'Only 2 left',
    });
    expect(relayed('INVALID_INPUT', 'name must be 1 to 100 characters')).toEqual({
      code: 'INVENTORY_REFUSED',
      field: null,
      message: 'name must be 1 to 100 characters',
    });
    expect(codeOr(null, 'INVENTORY_REFUSED')).toBe('INVENTORY_REFUSED');
  });

  it('gives input hygiene a code of the enum for each field with text rules of its own', () => {
    const listed = new Set<string>(RETAIL_ERROR_CODES);
    expect(Object.entries(TEXT_CODES).filter(([, code]) => !listed.has(code))).toEqual([]);
    expect(TEXT_CODES).toMatchObject({
      note: 'INVALID_NOTE',
      reason: 'INVALID_REASON',
      idempotencyKey: 'INVALID_IDEMPOTENCY_KEY',
    });
  });
});
