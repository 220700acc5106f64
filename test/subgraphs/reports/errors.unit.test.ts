/**
 * reports' own error rule beyond every subgraph's (test/error-codes.unit.test.ts, ADR 0021): input
 * hygiene refuses a storeId's control characters or over-long text with INVALID_STORE, the code
 * generateReport's own rule gives. Run on the subgraph's schema: a refused input never reaches a
 * resolver, so no database is needed.
 */
import { execute, parse } from 'graphql';
import { MAX_INPUT_STRING, type Identity } from '../../../subgraphs/kit';
import { TEXT_CODES } from '../../../subgraphs/reports/domain/errors';
import { schema } from '../../../subgraphs/reports/server';

describe('ReportsErrorCode', () => {
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
