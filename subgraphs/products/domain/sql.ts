// The kit's lean-SQL helpers (ADR 0003), named as the catalogue code uses them.
export { queryRows } from '../../kit/sql';
