import { projection } from '../../../kit/domain';
import {
  CashRegisterSchema,
  EmployeeSchema,
  RegisterSessionSchema,
  ReturnLineSchema,
  SaleLineSchema,
  SaleReturnSchema,
  SaleSchema,
  StoreSchema,
} from '../../entities';

/**
 * The select lists of retail's lean reads (ADR 0003), derived from the entity schemas so that a
 * column is described once: `select ${SALE.columns} from sales` returns rows shaped like `Sale`, and
 * a statement defined with `{ row: SALE }` turns their timestamps into Dates.
 */

/** A store as the API shows it: the row without its sale counter. */
export const STORE = projection(StoreSchema, { omit: ['saleSeq'] });
export const REGISTER = projection(CashRegisterSchema);
/** An employee as the API shows it: never the password hash. */
export const EMPLOYEE = projection(EmployeeSchema, { omit: ['passwordHash'] });
/** For sign-in only. */
export const EMPLOYEE_WITH_HASH = projection(EmployeeSchema);
export const SESSION = projection(RegisterSessionSchema);
export const SALE = projection(SaleSchema);
export const SALE_LINE = projection(SaleLineSchema);
export const RETURN = projection(SaleReturnSchema);
/** Aliased: return lines are read joined with their sale lines, for the lines' order. */
export const RETURN_LINE = projection(ReturnLineSchema, { alias: 'rl' });
