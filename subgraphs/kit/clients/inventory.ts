import { ONLINE_LOCATION_ID } from '../demo-ids';
import type { ServiceName } from '../env';
import type { InventoryPort, ReserveLine, StepResult } from '../ports';
import { postGraphQL, TransportError, type GraphQLResponse } from './graphql';
import { cachedServiceToken } from './service-token';

/**
 * The service-to-service mutations (inventory's @inaccessible fields, ADR 0008): not client
 * operations, so they live with the adapter rather than in schema/operations/. Each takes one input
 * and answers UserErrors beside what it changed: the order's reservation for the saga steps, the
 * return for returnStock, the location for ensureStoreLocation.
 */
const MUTATIONS = {
  reserveStock: { name: 'Reserve', input: 'ReserveStockInput', selection: 'reservation { id status }' },
  takeStock: { name: 'Take', input: 'TakeStockInput', selection: 'reservation { id status }' },
  commitReservation: { name: 'Commit', input: 'CommitReservationInput', selection: 'reservation { id status }' },
  releaseReservation: { name: 'Release', input: 'ReleaseReservationInput', selection: 'reservation { id status }' },
  restockOrder: { name: 'Restock', input: 'RestockOrderInput', selection: 'reservation { id status }' },
  returnStock: { name: 'ReturnStock', input: 'ReturnStockInput', selection: 'stockReturn { returnId }' },
  ensureStoreLocation: { name: 'EnsureStoreLocation', input: 'EnsureStoreLocationInput', selection: 'location { id }' },
} as const;
type InventoryMutation = keyof typeof MUTATIONS;

const documentOf = (field: InventoryMutation) =>
  `mutation ${MUTATIONS[field].name}($input: ${MUTATIONS[field].input}!) {
  ${field}(input: $input) { ${MUTATIONS[field].selection} errors { code field message } }
}`;

/** The longest reason inventory keeps (the `reason` of its release, restock and return inputs). */
const MAX_REASON_LENGTH = 500;

interface Payload {
  reservation?: { id: string; status: string } | null;
  stockReturn?: { returnId: string } | null;
  location?: { id: string } | null;
  errors: { code: string; field: string[] | null; message: string }[];
}

export interface InventoryClientOptions {
  /** The calling subgraph: its SERVICE token goes with every call. */
  caller: ServiceName;
  /** Whole-call budget of one attempt (default 10 s). */
  timeoutMs?: number;
}

/**
 * Calls the inventory subgraph directly (not through the router: its service fields are @inaccessible)
 * with the caller's SERVICE token. `urls` may list several replicas (INVENTORY_URL); calls go
 * round-robin, and a call that gets no answer is retried once on the next replica (safe: every call is
 * idempotent by its key: order id, return id, store id). No answer at all, or a GraphQL-level error, is a transient StepResult; a
 * UserError in the payload is a definitive one.
 */
export class InventoryClient implements InventoryPort {
  private next = 0;
  readonly urls: string[];
  private readonly timeoutMs: number;

  constructor(
    urls: string | string[],
    private readonly opts: InventoryClientOptions,
  ) {
    this.urls = (Array.isArray(urls) ? urls : urls.split(',')).map((u) => u.trim()).filter((u) => u.length > 0);
    if (this.urls.length === 0) throw new Error('INVENTORY_URL must name at least one inventory replica');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private pickUrl(): string {
    const url = this.urls[this.next % this.urls.length] as string;
    this.next = (this.next + 1) % this.urls.length;
    return url;
  }

  private async call(field: InventoryMutation, input: Record<string, unknown>): Promise<StepResult<Payload>> {
    const attempts = Math.max(2, Math.min(this.urls.length, 3));
    let lastError = '';
    for (let i = 0; i < attempts; i += 1) {
      let res: GraphQLResponse<Record<string, Payload>>;
      try {
        res = await postGraphQL<Record<string, Payload>>(
          this.pickUrl(),
          documentOf(field),
          { input },
          { token: cachedServiceToken(this.opts.caller), timeoutMs: this.timeoutMs },
        );
      } catch (err) {
        if (err instanceof TransportError) {
          lastError = err.message;
          continue;
        }
        throw err;
      }
      const payload = res.data?.[field];
      if (!payload) {
        const first = res.errors?.[0];
        return {
          ok: false,
          transient: true,
          code: first?.extensions?.code ?? 'INVENTORY_ERROR',
          message: `inventory ${field} failed: ${first?.message ?? 'empty answer'}`,
        };
      }
      return { ok: true, value: payload };
    }
    return { ok: false, transient: true, code: 'INVENTORY_UNAVAILABLE', message: lastError };
  }

  private static businessFailure(payload: Payload): StepResult<never> | null {
    const first = payload.errors[0];
    if (!first) return null;
    return { ok: false, transient: false, code: first.code, message: first.message };
  }

  /**
   * The reservation a reserve or a take answered, when its status is one of `active`; a call that
   * failed, a UserError, no reservation or another status is the step's failure.
   */
  private static held(res: StepResult<Payload>, active: string[]): StepResult<{ reservationId: string }> {
    if (!res.ok) return res;
    const failed = InventoryClient.businessFailure(res.value);
    if (failed) return failed;
    const reservation = res.value.reservation ?? null;
    if (!reservation)
      return { ok: false, transient: true, code: 'INVENTORY_ERROR', message: 'no reservation returned' };
    if (!active.includes(reservation.status)) {
      return {
        ok: false,
        transient: false,
        code: 'RESERVATION_NOT_ACTIVE',
        message: `the order's reservation is ${reservation.status}`,
      };
    }
    return { ok: true, value: { reservationId: reservation.id } };
  }

  async reserve(
    orderId: string,
    lines: ReserveLine[],
    ttlSeconds: number,
    locationId: string = ONLINE_LOCATION_ID,
  ): Promise<StepResult<{ reservationId: string }>> {
    const res = await this.call('reserveStock', { orderId, locationId, lines, ttlSeconds });
    return InventoryClient.held(res, ['PENDING', 'COMMITTED']);
  }

  async take(
    orderId: string,
    lines: ReserveLine[],
    locationId: string = ONLINE_LOCATION_ID,
  ): Promise<StepResult<{ reservationId: string }>> {
    const res = await this.call('takeStock', { orderId, locationId, lines });
    // A take is answered COMMITTED; anything else came with a UserError.
    return InventoryClient.held(res, ['COMMITTED']);
  }

  private async simple(field: InventoryMutation, input: Record<string, unknown>): Promise<StepResult> {
    const res = await this.call(field, input);
    if (!res.ok) return res;
    return InventoryClient.businessFailure(res.value) ?? { ok: true, value: undefined };
  }

  commit(orderId: string): Promise<StepResult> {
    return this.simple('commitReservation', { orderId });
  }

  // A compensation's reason is audit text the caller composed (often around a customer's own words);
  // it is cut to what inventory keeps so that an over-long note can never make a compensation fail.
  release(orderId: string, reason: string): Promise<StepResult> {
    return this.simple('releaseReservation', { orderId, reason: reason.slice(0, MAX_REASON_LENGTH) });
  }

  restock(orderId: string, reason: string): Promise<StepResult> {
    return this.simple('restockOrder', { orderId, reason: reason.slice(0, MAX_REASON_LENGTH) });
  }

  // Idempotent by return id, so the retry on the next replica is as safe as for the saga steps.
  returnStock(returnId: string, locationId: string, lines: ReserveLine[], reason: string): Promise<StepResult> {
    return this.simple('returnStock', { returnId, locationId, lines, reason: reason.slice(0, MAX_REASON_LENGTH) });
  }

  async ensureStoreLocation(storeId: string, name: string): Promise<StepResult<{ locationId: string }>> {
    const res = await this.call('ensureStoreLocation', { storeId, name });
    if (!res.ok) return res;
    const failed = InventoryClient.businessFailure(res.value);
    if (failed) return failed;
    const location = res.value.location ?? null;
    if (!location) return { ok: false, transient: true, code: 'INVENTORY_ERROR', message: 'no location returned' };
    return { ok: true, value: { locationId: location.id } };
  }
}
