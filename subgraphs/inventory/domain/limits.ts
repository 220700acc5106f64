/**
 * The maxima inventory's inputs document (the SDL states each one; the hostile corpus sends one
 * character or unit over), in one place so every write enforces the same numbers.
 */

/** Units of one product in one change, either way. */
export const MAX_QUANTITY = 1_000_000;
/** Free text kept in the audit trail: notes and reasons. */
export const MAX_NOTE_LENGTH = 500;
/** Ids of other systems kept as keys: products, orders, returns, stores. */
export const MAX_ID_LENGTH = 100;

export function validId(value: string): boolean {
  return value.trim().length > 0 && value.length <= MAX_ID_LENGTH;
}
