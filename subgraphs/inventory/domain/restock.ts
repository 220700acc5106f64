import type { EntityManager } from '@mikro-orm/postgresql';
import { userError } from '../../kit';
import { findReservation, validateOrderReason, type ReservationResult } from './reservations';
import { inTransaction, sql } from './sql';

export type RestockOutcome = 'restocked' | 'already_restocked' | 'not_found' | 'not_committed' | 'invalid';

/**
 * Saga compensation after the pivot (added for ecommerce's cancelOrder): an order whose reservation
 * was COMMITTED is cancelled, so its units go back on hand at the reservation's location (movement
 * reason RETURN, reference = order id) and the reservation becomes RESTOCKED. Idempotent: restocking
 * again is a no-op. Same lock order as commit/release (reservation row, then stock rows by product).
 */
export async function restockOrder(
  em: EntityManager,
  actor: string,
  input: { orderId: string; reason: string | null },
): Promise<ReservationResult<RestockOutcome>> {
  const errors = validateOrderReason(input);
  if (errors.length) return { reservation: null, errors, outcome: 'invalid' };

  return inTransaction<ReservationResult<RestockOutcome>>(em, async (tx) => {
    const reservation = await findReservation(tx, input.orderId, true);
    if (!reservation) {
      return {
        commit: false,
        result: {
          reservation: null,
          errors: [
            userError('RESERVATION_NOT_FOUND', `No reservation for order ${input.orderId}`, ['input', 'orderId']),
          ],
          outcome: 'not_found',
        },
      };
    }
    if (reservation.status === 'RESTOCKED') {
      return { commit: true, result: { reservation, errors: [], outcome: 'already_restocked' } };
    }
    if (reservation.status !== 'COMMITTED') {
      return {
        commit: true,
        result: {
          reservation,
          errors: [
            userError(
              'RESERVATION_NOT_COMMITTED',
              `The reservation of order ${input.orderId} is ${reservation.status}; only a committed one can be restocked`,
              ['input', 'orderId'],
            ),
          ],
          outcome: 'not_committed',
        },
      };
    }
    await sql(
      tx,
      `select 1 from stock_level s join reservation_line rl on rl.product_id = s.product_id
        where rl.reservation_id = ? and s.location_id = ?
        order by s.location_id, s.product_id
        for update of s`,
      [reservation.id, reservation.locationId],
    );
    await sql(
      tx,
      `with upd as (
         update stock_level s
            set on_hand = s.on_hand + rl.quantity, updated_at = now()
           from reservation_line rl
          where rl.reservation_id = ? and s.location_id = ? and s.product_id = rl.product_id
         returning s.product_id, rl.quantity
       ), mv as (
         insert into stock_movement (product_id, location_id, on_hand_delta, reserved_delta, reason, reference, note, actor)
         select product_id, ?, quantity, 0, 'RETURN', ?, ?, ? from upd
       )
       update reservation set status = 'RESTOCKED', release_reason = ?, updated_at = now() where id = ?`,
      [
        reservation.id,
        reservation.locationId,
        reservation.locationId,
        input.orderId,
        input.reason,
        actor,
        input.reason,
        reservation.id,
      ],
    );
    return {
      commit: true,
      result: { reservation: { ...reservation, status: 'RESTOCKED' }, errors: [], outcome: 'restocked' },
    };
  });
}
