import { sql } from '../../../kit/domain';
import type { Employee, EmployeeProfile } from '../types';
import { EMPLOYEE, EMPLOYEE_WITH_HASH } from './rows';

/**
 * Staff accounts (ADR 0022). A list filter's unused criteria are null rather than missing from the
 * text: node-postgres sends each statement unnamed, so PostgreSQL plans it with the values bound and
 * folds `null is null or ...` away.
 */

export const EMPLOYEES_BY_IDS = sql<{ ids: readonly string[] }, EmployeeProfile>(
  `select ${EMPLOYEE.columns} from employees where id = any(:ids::text[])`,
  { row: EMPLOYEE },
);

/** The account with its password hash, for sign-in only; `lower(email)` is what the unique index covers. */
export const EMPLOYEE_BY_EMAIL = sql<{ email: string }, Employee>(
  `select ${EMPLOYEE_WITH_HASH.columns} from employees where lower(email) = lower(:email)`,
  { row: EMPLOYEE_WITH_HASH },
);

/** Whether an account has this email, whatever its case (employees_email_lower_unique). */
export const EMAIL_TAKEN = sql<{ email: string }, { taken: boolean }>(
  `select exists (select 1 from employees where lower(email) = lower(:email)) as taken`,
);

/** A staff list's filter: one store's staff (null: everyone's), the deactivated ones when asked. */
export interface EmployeeFilterParams {
  storeId: string | null;
  includeInactive: boolean;
}

const EMPLOYEE_FILTER = `(:storeId::text is null or store_id = :storeId::text) and (:includeInactive::boolean or active)`;

/** Up to `limit` employees by (name, id) after the keyset position; the row comparison matches ORDER BY. */
export const EMPLOYEES_PAGE = sql<
  EmployeeFilterParams & { afterName: string | null; afterId: string | null; limit: number },
  EmployeeProfile
>(
  `select ${EMPLOYEE.columns} from employees
    where ${EMPLOYEE_FILTER}
      and (:afterName::text is null or (name, id) > (:afterName::text, :afterId::text))
    order by name, id
    limit :limit`,
  { row: EMPLOYEE },
);

export const EMPLOYEES_COUNT = sql<EmployeeFilterParams, { count: number }>(
  `select count(*)::int as count from employees where ${EMPLOYEE_FILTER}`,
);
