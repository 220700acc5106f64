/**
 * Replenishment through the router (issue 8's story and must-show list, inventory's side): a clerk of
 * store 3 signs in with retail's StaffLogin, looks at the store's low levels with their suggestions,
 * asks head office for stock; head office approves, and store 3's shelves (StoreStock, retail's
 * store(id) with inventory's stock) show it, the warehouse exactly that much less, with movements on
 * both sides. Rejection needs a reason, a second approval moves nothing, a clerk cannot approve, a
 * clerk of another store cannot see store 3's requests; one request read by id shows what the list
 * shows, to the same callers. Real products, inventory (2 replicas) and retail with their demo data.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  ApproveReplenishmentDocument,
  LowStockSuggestionsDocument,
  ProductStockLevelsDocument,
  RejectReplenishmentDocument,
  ReplenishmentRequestDocument,
  ReplenishmentRequestsDocument,
  RequestReplenishmentDocument,
  StaffLoginDocument,
  StoreStockDocument,
} from '../../schema/operations/generated';
import { DEMO_STAFF, DEMO_STAFF_PASSWORD } from '../../subgraphs/retail/seed';
import { startStack, type Stack } from '../helpers/stack';

const STORE = 'store-3';
const LOC = 'loc-store-3';

describe('replenishment through the router (products, inventory x2, retail; demo data)', () => {
  let stack: Stack;
  let inventoryDb: Client;
  let clerk: string;
  let manager: string;
  let admin: string;
  let otherClerk: string;
  let otherManager: string;

  beforeAll(async () => {
    stack = await startStack({
      services: ['products', 'inventory', 'retail'],
      inventoryReplicas: 2,
      seed: true,
      env: { RETAIL_SEED_HISTORY_DAYS: '0' },
    });
    inventoryDb = new Client({ connectionString: stack.databases.inventory!.url });
    await inventoryDb.connect();
    const login = async (role: string, storeId: string | null) => {
      const employee = DEMO_STAFF.find((e) => e.role === role && e.storeId === storeId)!;
      const res = await stack.gql(StaffLoginDocument, {
        input: { email: employee.email, password: DEMO_STAFF_PASSWORD },
      });
      const token = res.body.data?.staffLogin.token;
      if (!token) throw new Error(`no token for ${employee.email}: ${JSON.stringify(res.body)}`);
      return token;
    };
    [clerk, manager, admin, otherClerk, otherManager] = await Promise.all([
      login('CLERK', STORE),
      login('MANAGER', STORE),
      login('ADMIN', null),
      login('CLERK', 'store-1'),
      login('MANAGER', 'store-1'),
    ]);
  }, 180_000);

  afterAll(async () => {
    await inventoryDb?.end();
    await stack?.stop();
  });

  /** onHand of a product at the warehouse and at store 3, as ProductStockLevels shows them. */
  async function shelves(productId: string): Promise<{ warehouse: number; store: number }> {
    const res = await stack.gql(ProductStockLevelsDocument, { id: productId });
    const levels = res.body.data?.product?.stock.levels ?? [];
    const at = (id: string) => levels.find((l) => l.location.id === id)?.onHand ?? 0;
    return { warehouse: at('loc-warehouse'), store: at(LOC) };
  }

  /** onHand of the products on the first StoreStock page of store 3 (the first 100 product ids). */
  async function storeStock(): Promise<Map<string, number>> {
    const res = await stack.gql(StoreStockDocument, { storeId: STORE, first: 100 }, { token: clerk });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.store).toMatchObject({ id: STORE, name: expect.any(String) });
    return new Map(res.body.data!.store!.stock.edges.map((e) => [e.node.product.id, e.node.onHand]));
  }

  it("the story: store 3's clerk asks for the suggested units, head office approves, store 3's shelves show them", async () => {
    // The store's low levels with the one-click suggestion.
    const low = await stack.gql(LowStockSuggestionsDocument, { locationId: LOC, first: 100 }, { token: clerk });
    expect(low.body.errors).toBeUndefined();
    const suggestions = low.body.data!.lowStock.filter((l) => l.suggestedQuantity !== null);
    const onFirstPage = await storeStock();
    expect(suggestions.length).toBeGreaterThan(0);
    for (const l of suggestions) {
      expect(l.location.id).toBe(LOC);
      expect(l.suggestedQuantity).toBe(2 * l.reorderPoint - l.available);
    }
    // One StoreStock page shows it before and after.
    const first = suggestions.find((l) => onFirstPage.has(l.product.id));
    const wanted = { productId: first!.product.id, quantity: first!.suggestedQuantity! };
    const before = await shelves(wanted.productId);

    const asked = await stack.gql(
      RequestReplenishmentDocument,
      { input: { lines: [wanted], note: 'Shelf empty since Saturday' } },
      { token: clerk },
    );
    expect(asked.body.errors).toBeUndefined();
    expect(asked.body.data!.requestReplenishment.errors).toEqual([]);
    const request = asked.body.data!.requestReplenishment.request!;
    expect(request).toEqual({
      id: expect.any(String),
      status: 'PENDING',
      lines: [{ product: { id: wanted.productId, name: first!.product.name }, quantity: wanted.quantity }],
    });

    // Head office sees it in the pending queue, with who asked.
    const queue = await stack.gql(
      ReplenishmentRequestsDocument,
      { status: 'PENDING', storeId: STORE, first: 20 },
      { token: admin },
    );
    expect(queue.body.errors).toBeUndefined();
    const queued = queue.body.data!.replenishmentRequests.edges.find((e) => e.node.id === request.id)?.node;
    expect(queued).toMatchObject({
      status: 'PENDING',
      note: 'Shelf empty since Saturday',
      requestedBy: DEMO_STAFF.find((e) => e.role === 'CLERK' && e.storeId === STORE)!.id,
      store: { id: STORE },
      source: { id: 'loc-warehouse' },
      destination: { id: LOC },
    });

    const approved = await stack.gql(
      ApproveReplenishmentDocument,
      { input: { requestId: request.id } },
      { token: admin },
    );
    expect(approved.body.errors).toBeUndefined();
    expect(approved.body.data!.approveReplenishment).toEqual({
      request: { id: request.id, status: 'APPROVED' },
      errors: [],
    });

    // Exactly the units: warehouse down, store up, on the shelves the clerk sees.
    expect(await shelves(wanted.productId)).toEqual({
      warehouse: before.warehouse - wanted.quantity,
      store: before.store + wanted.quantity,
    });
    expect(onFirstPage.get(wanted.productId)).toBe(before.store);
    expect((await storeStock()).get(wanted.productId)).toBe(before.store + wanted.quantity);
    const movements = await inventoryDb.query(
      'select location_id, on_hand_delta, reason from stock_movement where reference = $1 order by reason',
      [request.id],
    );
    expect(movements.rows).toEqual([
      { location_id: LOC, on_hand_delta: wanted.quantity, reason: 'TRANSFER_IN' },
      { location_id: 'loc-warehouse', on_hand_delta: -wanted.quantity, reason: 'TRANSFER_OUT' },
    ]);

    // The store sees the decision and its history.
    const mine = await stack.gql(ReplenishmentRequestsDocument, { first: 5 }, { token: clerk });
    const seen = mine.body.data!.replenishmentRequests.edges.find((e) => e.node.id === request.id)!.node;
    expect(seen.history.map((h) => h.status)).toEqual(['PENDING', 'APPROVED']);
    expect(seen.lines).toEqual([
      expect.objectContaining({ quantity: wanted.quantity, approvedQuantity: wanted.quantity }),
    ]);
  });

  it('approving twice does not move stock twice, also when the approvals race', async () => {
    const productId = 'prod-0150';
    const before = await shelves(productId);
    const asked = await stack.gql(
      RequestReplenishmentDocument,
      { input: { lines: [{ productId, quantity: 3 }] } },
      { token: manager },
    );
    const id = asked.body.data!.requestReplenishment.request!.id;
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        stack.gql(ApproveReplenishmentDocument, { input: { requestId: id } }, { token: admin }),
      ),
    );
    for (const res of results) {
      expect(res.body.data!.approveReplenishment).toEqual({ request: { id, status: 'APPROVED' }, errors: [] });
    }
    const again = await stack.gql(ApproveReplenishmentDocument, { input: { requestId: id } }, { token: admin });
    expect(again.body.data!.approveReplenishment.errors).toEqual([]);
    expect(await shelves(productId)).toEqual({ warehouse: before.warehouse - 3, store: before.store + 3 });
    const moved = await inventoryDb.query('select count(*)::int as n from stock_movement where reference = $1', [id]);
    expect(moved.rows[0].n).toBe(2);
  });

  it('rejection without a reason is a UserError; with one the request is REJECTED and nothing moves', async () => {
    const productId = 'prod-0151';
    const before = await shelves(productId);
    const asked = await stack.gql(
      RequestReplenishmentDocument,
      { input: { lines: [{ productId, quantity: 2 }] } },
      { token: clerk },
    );
    const id = asked.body.data!.requestReplenishment.request!.id;
    for (const reason of [undefined, '  ']) {
      const res = await stack.gql(RejectReplenishmentDocument, { input: { requestId: id, reason } }, { token: admin });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.rejectReplenishment).toEqual({
        request: null,
        errors: [{ code: 'REASON_REQUIRED', field: ['input', 'reason'], message: expect.any(String) }],
      });
    }
    const rejected = await stack.gql(
      RejectReplenishmentDocument,
      { input: { requestId: id, reason: 'Discontinued at the supplier' } },
      { token: admin },
    );
    expect(rejected.body.data!.rejectReplenishment).toEqual({
      request: {
        id,
        status: 'REJECTED',
        rejectionReason: 'Discontinued at the supplier',
        decidedBy: DEMO_STAFF.find((e) => e.role === 'ADMIN')!.id,
        decidedAt: expect.any(String),
      },
      errors: [],
    });
    const late = await stack.gql(ApproveReplenishmentDocument, { input: { requestId: id } }, { token: admin });
    expect(late.body.data!.approveReplenishment.errors.map((e) => e.code)).toEqual(['REQUEST_NOT_PENDING']);
    expect(await shelves(productId)).toEqual(before);
  });

  it("a clerk or manager cannot approve, and another store's clerk cannot see store 3's requests", async () => {
    const productId = 'prod-0152';
    const before = await shelves(productId);
    const asked = await stack.gql(
      RequestReplenishmentDocument,
      { input: { lines: [{ productId, quantity: 1 }] } },
      { token: clerk },
    );
    const id = asked.body.data!.requestReplenishment.request!.id;
    for (const token of [clerk, manager, otherClerk]) {
      const res = await stack.gql(ApproveReplenishmentDocument, { input: { requestId: id } }, { token });
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(res.body.data).toBeNull();
    }
    expect(await shelves(productId)).toEqual(before);

    const peek = await stack.gql(ReplenishmentRequestsDocument, { storeId: STORE, first: 5 }, { token: otherClerk });
    expect(peek.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const own = await stack.gql(ReplenishmentRequestsDocument, { first: 20 }, { token: otherClerk });
    expect(own.body.data!.replenishmentRequests.edges.every((e) => e.node.store.id === 'store-1')).toBe(true);
    const anonymous = await stack.gql(RequestReplenishmentDocument, { input: { lines: [{ productId, quantity: 1 }] } });
    expect(anonymous.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it("reads one request by id as the list shows it, to the list's callers; another store's manager is refused, an unknown id is null", async () => {
    const productId = 'prod-0153';
    const asked = await stack.gql(
      RequestReplenishmentDocument,
      { input: { lines: [{ productId, quantity: 2 }], note: 'For the weekend' } },
      { token: clerk },
    );
    const id = asked.body.data!.requestReplenishment.request!.id;
    const approved = await stack.gql(
      ApproveReplenishmentDocument,
      { input: { requestId: id, note: 'On Monday’s truck' } },
      { token: admin },
    );
    expect(approved.body.data!.approveReplenishment.errors).toEqual([]);

    const list = await stack.gql(ReplenishmentRequestsDocument, { storeId: STORE, first: 25 }, { token: admin });
    const listed = list.body.data!.replenishmentRequests.edges.find((e) => e.node.id === id)!.node;
    expect(listed.lines).toEqual([
      { product: { id: productId, name: expect.any(String), sku: 'SKU-0153' }, quantity: 2, approvedQuantity: 2 },
    ]);
    expect(listed.history.map((h) => [h.status, h.note])).toEqual([
      ['PENDING', 'For the weekend'],
      ['APPROVED', 'On Monday’s truck'],
    ]);
    // Store 3's clerk and manager and head office: the request as the list shows it, lines and history included.
    for (const token of [clerk, manager, admin]) {
      const one = await stack.gql(ReplenishmentRequestDocument, { id }, { token });
      expect(one.body.errors).toBeUndefined();
      expect(one.body.data!.replenishmentRequest).toEqual(listed);
    }

    // Store 1's manager: FORBIDDEN, as the list refuses them store 3's requests.
    const listRefused = await stack.gql(
      ReplenishmentRequestsDocument,
      { storeId: STORE, first: 5 },
      { token: otherManager },
    );
    expect(listRefused.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const refused = await stack.gql(ReplenishmentRequestDocument, { id }, { token: otherManager });
    expect(refused.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(refused.body.data?.replenishmentRequest ?? null).toBeNull();
    const anonymous = await stack.gql(ReplenishmentRequestDocument, { id });
    expect(anonymous.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);

    // No request has this id, or it cannot be a request's id at all: null, no error.
    for (const unknown of [randomUUID(), '00000000-0000-0000-0000-000000000000', 'not-a-request-id']) {
      const none = await stack.gql(ReplenishmentRequestDocument, { id: unknown }, { token: admin });
      expect(none.body.errors).toBeUndefined();
      expect(none.body.data).toEqual({ replenishmentRequest: null });
    }
    // An id in upper case names the same request.
    const upper = await stack.gql(ReplenishmentRequestDocument, { id: id.toUpperCase() }, { token: clerk });
    expect(upper.body.data!.replenishmentRequest).toEqual(listed);
  });
});
