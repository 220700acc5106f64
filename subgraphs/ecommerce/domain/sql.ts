// The kit's lean-SQL helpers (ADR 0003); `query` is the name ecommerce's domain code uses.
export { queryRows as query, queryOne, execute, pgErrorCode, pgConstraint } from '../../kit/sql';
