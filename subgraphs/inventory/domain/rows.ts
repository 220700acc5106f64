import { toDate, type DomainContext } from '../../kit/domain';
import type { Location } from './types';

/**
 * A table row as lean SQL returns it on MikroORM's pool, where timestamptz arrives as text: the
 * entity interface with its Date columns widened. Mapped to the interface itself before it leaves
 * the domain.
 */
export type RawRow<T> = { [K in keyof T]: T[K] extends Date ? Date | string : T[K] };

/** The head of every audit-trail insert (each one an INSERT ... SELECT from a data-modifying CTE). */
export const INSERT_MOVEMENT =
  'insert into stock_movement (product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor)';

/** Every column of location (alias `l`), aliased to the Location interface. */
export const LOCATION_COLUMNS = 'l.id, l.name, l.kind, l.store_id as "storeId", l.created_at as "createdAt"';

export function locationFromRow(row: RawRow<Location>): Location {
  return { ...row, createdAt: toDate(row.createdAt) };
}

/**
 * What a read needs of the request: its unit of work. Reads take this rather than the whole
 * DomainContext so that request-scoped DataLoaders (which hold only the EntityManager) call them too;
 * a DomainContext is one.
 */
export type ReadContext = Pick<DomainContext, 'em'>;
