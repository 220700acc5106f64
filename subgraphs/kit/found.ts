/**
 * Load-or-throw in one place: a row read by its id (or key) that must exist, because a foreign key,
 * a lease or the transaction that wrote it guarantees it. Each caller keeps its own error (a bug's
 * `Error`, a saga's `LeaseLost`), so the failure says what was missing:
 *
 *   const store = requireFound(await storeById(ctx, sale.storeId), () => new Error(`sale ${sale.id} has no store`));
 *
 * Client-facing "not found" answers (UserErrors, null results) are not this: they are business
 * outcomes, written where they are decided.
 */
export function requireFound<T>(value: T | null | undefined, missing: () => Error): T {
  if (value === null || value === undefined) throw missing();
  return value;
}
