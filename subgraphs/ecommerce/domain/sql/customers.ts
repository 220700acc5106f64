import { projection, sql } from '../../../kit/domain';
import { CustomerSchema } from '../../entities';
import type { Customer, CustomerProfile } from '../types';

/**
 * Statements on customers (ADR 0022). `lower(email)` is what the unique index
 * customers_email_lower_unique covers, so every lookup by email compares it that way.
 */

/** A customer as the API shows it: every column but the password hash. */
const PROFILE = projection(CustomerSchema, { omit: ['passwordHash'] });
/** The whole row, hash included: sign-in only. */
const ACCOUNT = projection(CustomerSchema);

export const CUSTOMERS_BY_IDS = sql<{ ids: readonly string[] }, CustomerProfile>(
  `select ${PROFILE.columns} from customers where id = any(:ids::text[])`,
  { row: PROFILE },
);

export const CUSTOMER_BY_EMAIL = sql<{ email: string }, Customer>(
  `select ${ACCOUNT.columns} from customers where lower(email) = lower(:email)`,
  { row: ACCOUNT },
);

/** Whether an account has this email, whatever its case (registration). */
export const EMAIL_TAKEN = sql<{ email: string }, { taken: number }>(
  'select 1 as taken from customers where lower(email) = lower(:email)',
);
