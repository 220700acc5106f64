/**
 * Retail's own error rule beyond every subgraph's (test/error-codes.unit.test.ts, ADR 0021): a code
 * another subgraph answered with is kept when retail lists it and INVENTORY_REFUSED otherwise. No I/O.
 */
import { codeOr, relayed } from '../../../subgraphs/retail/domain/errors';

describe('RetailErrorCode', () => {
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
});
