/**
 * reports' UserError codes (ADR 0021): the helper takes only ReportsErrorCode values (a misspelled
 * code does not compile), the enum in the SDL is the list codegen made, each value described, and
 * input hygiene refuses a storeId's control characters or over-long text with INVALID_STORE, the code
 * generateReport's own rule gives. Run on the subgraph's schema: a refused input never reaches a
 * resolver, so no database is needed.
 */
import { execute, isEnumType, parse } from 'graphql';
import { MAX_INPUT_STRING, type Identity } from '../../../subgraphs/kit';
import { TEXT_CODES, userError } from '../../../subgraphs/reports/domain/errors';
import { REPORTS_ERROR_CODES } from '../../../subgraphs/reports/generated/error-codes';
import { schema } from '../../../subgraphs/reports/server';

describe('ReportsErrorCode', () => {
  it("is the SDL's enum, each value with a description, the list the domain's helper checks", () => {
    const codes = schema.getType('ReportsErrorCode');
    if (!isEnumType(codes)) throw new Error('ReportsErrorCode is not an enum of the SDL');
    const values = codes.getValues();
    expect(values.map((v) => v.name)).toEqual([...REPORTS_ERROR_CODES]);
    expect(values.filter((v) => !v.description?.trim()).map((v) => v.name)).toEqual([]);
  });

  it('types the helper: a misspelled code does not compile', () => {
    expect(userError('INVALID_PERIOD', 'The period ends before it starts', ['input', 'period'])).toEqual({
      code: 'INVALID_PERIOD',
      field: ['input', 'period'],
      message: 'The period ends before it starts',
    });
    // @ts-expect-error INVALID_PERIODS is not a ReportsErrorCode: `npm run typecheck` fails without this line's marker.
    expect(userError('INVALID_PERIODS', 'x').code).toBe('INVALID_PERIODS');
  });

  it("refuses a storeId's control characters or over-long text with INVALID_STORE, before any resolver", async () => {
    expect(TEXT_CODES).toEqual({ storeId: 'INVALID_STORE' });
    const admin: Identity = { sub: 'emp-admin', role: 'ADMIN' };
    const period = { from: '2026-03-01', to: '2026-03-31' };
    for (const storeId of ['store\u00001', 'x'.repeat(MAX_INPUT_STRING + 1)]) {
      const result = await execute({
        schema,
        document: parse(
          'mutation($input: GenerateReportInput!) { generateReport(input: $input) { report { id } errors { code field } } }',
        ),
        variableValues: { input: { type: 'SALES', period, storeId } },
        // The request context as the kit builds it: permission rules read the caller from its domain context.
        contextValue: { domain: { identity: admin, requestId: 'hygiene-test' } },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({
        generateReport: { report: null, errors: [{ code: 'INVALID_STORE', field: ['input', 'storeId'] }] },
      });
    }
  });
});
