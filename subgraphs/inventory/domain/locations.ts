import { queryOne, type DbContext } from '../../kit/domain';
import type { EnsureStoreLocationInput } from '../generated/resolvers';
import { userError, type InventoryUserError } from './errors';
import { MAX_ID_LENGTH, validId } from './limits';
import { ENSURE_STORE_LOCATION } from './sql/locations';
import type { Location } from './types';

/** Longest location name (a store's name, which retail holds to the same maximum). */
export const MAX_LOCATION_NAME_LENGTH = 100;

export type EnsureLocationOutcome = 'created' | 'existing' | 'invalid';

export interface EnsureLocationResult {
  location: Location | null;
  errors: InventoryUserError[];
  outcome: EnsureLocationOutcome;
}

function validateEnsure(input: EnsureStoreLocationInput): InventoryUserError[] {
  const errors: InventoryUserError[] = [];
  if (!validId(input.storeId)) {
    errors.push(userError('INVALID_INPUT', `storeId must be 1 to ${MAX_ID_LENGTH} characters`, ['input', 'storeId']));
  }
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_LOCATION_NAME_LENGTH) {
    errors.push(
      userError('INVALID_INPUT', `name must be 1 to ${MAX_LOCATION_NAME_LENGTH} characters`, ['input', 'name']),
    );
  }
  return errors;
}

/**
 * The stock location of a store (retail's createStore; the retail contract's ensureStoreLocation):
 * the existing one, else a new STORE location named `name`, with the id "loc-<storeId>" the demo
 * stores have (loc-store-3), or that id plus a random suffix when another location already took it.
 * Idempotent: location.store_id is unique, so however many replicas race, one row is created and
 * every caller gets it. An existing location keeps its name (inventory's display name, not retail's).
 *
 * Raw SQL, one statement in the usual case (sql/locations.ts): the read of the existing row and the
 * conditional insert are one data-modifying CTE; a lost race (the insert found a conflict) reads again.
 */
export async function ensureStoreLocation(
  ctx: DbContext,
  input: EnsureStoreLocationInput,
): Promise<EnsureLocationResult> {
  const errors = validateEnsure(input);
  if (errors.length) return { location: null, errors, outcome: 'invalid' };
  const name = input.name.trim();
  const preferredId = `loc-${input.storeId}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await queryOne(ctx.em, ENSURE_STORE_LOCATION, { storeId: input.storeId, preferredId, name });
    if (row) {
      const { created, ...location } = row;
      return { location, errors: [], outcome: created ? 'created' : 'existing' };
    }
    // A concurrent call created the store's location (or took the id) between our read and insert.
  }
  throw new Error(`ensureStoreLocation(${input.storeId}): the location kept changing`);
}
