/**
 * returnSale against real PostgreSQL with an inventory double: never more than sold minus already
 * returned (one return, two returns, two at once), the refund at the prices sold, the restock at the
 * store's location once, idempotency by key, another store's clerk FORBIDDEN, an unanswered restock
 * driven on by recovery, a refused one undone.
 */
import { tokens } from '../../helpers/toolkit';
import { newKey, openRegister, REGISTER_1, RETURN_SALE, sell, useTestRetail } from './helpers';

const LOC = 'loc-store-1';

interface ReturnPayload {
  returnSale: {
    return: {
      id: string;
      status: string;
      refund: { amount: string };
      lines: { saleLine: { id: string }; quantity: number; refund: { amount: string } }[];
    } | null;
    errors: { code: string; field: string[] | null; message: string }[];
  };
}

describe('returnSale (retail subgraph, inventory double)', () => {
  const t = useTestRetail(async (retail) => {
    await openRegister(retail.gql, REGISTER_1);
  });

  const giveBack = (
    saleId: string,
    lines: { saleLineId: string; quantity: number }[],
    opts: { key?: string; token?: string; registerId?: string } = {},
  ) =>
    t.gql<ReturnPayload>(
      RETURN_SALE,
      {
        input: {
          saleId,
          registerId: opts.registerId ?? REGISTER_1,
          lines,
          refundMethod: 'CARD',
          reason: 'Wrong size',
          idempotencyKey: opts.key ?? newKey('return'),
        },
      },
      { token: opts.token ?? tokens.clerk('store-1') },
    );

  async function soldThree() {
    const res = await sell(t.gql, {
      lines: [
        { productId: 'prod-0001', quantity: 3 },
        { productId: 'prod-0002', quantity: 1 },
      ],
    });
    expect(res.sale!.status).toBe('COMPLETED');
    return { saleId: res.sale!.id, a: res.sale!.lines[0]!.id, b: res.sale!.lines[1]!.id };
  }

  it('a valid return refunds at the price sold and restocks exactly, once', async () => {
    const { saleId, a } = await soldThree();
    const before = t.inventory.level(LOC, 'prod-0001');
    const key = newKey('once');
    const res = await giveBack(saleId, [{ saleLineId: a, quantity: 2 }], { key });
    const ret = res.body.data!.returnSale.return!;
    expect(res.body.data!.returnSale.errors).toEqual([]);
    expect(ret.status).toBe('COMPLETED');
    expect(ret.refund.amount).toBe('20.50');
    expect(ret.lines).toEqual([
      { saleLine: { id: a }, product: { id: 'prod-0001' }, quantity: 2, refund: { amount: '20.50' } },
    ]);
    expect(t.inventory.level(LOC, 'prod-0001')).toEqual({ onHand: before.onHand + 2, reserved: before.reserved });

    // The same key again: the same return, nothing restocked twice.
    const replay = await giveBack(saleId, [{ saleLineId: a, quantity: 2 }], { key });
    expect(replay.body.data!.returnSale.return!.id).toBe(ret.id);
    expect(t.inventory.level(LOC, 'prod-0001').onHand).toBe(before.onHand + 2);
    const other = await giveBack(saleId, [{ saleLineId: a, quantity: 1 }], { key });
    expect(other.body.data!.returnSale.errors.map((e) => e.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    const [line] = await t.sql<{ returned_quantity: number }>(
      'select returned_quantity from sale_lines where id = $1',
      [a],
    );
    expect(line!.returned_quantity).toBe(2);
  });

  it('more than sold is refused, also over two returns, and nothing is written', async () => {
    const { saleId, a, b } = await soldThree();
    const counts = await t.counts();
    const over = await giveBack(saleId, [{ saleLineId: a, quantity: 4 }]);
    expect(over.body.data!.returnSale.errors).toEqual([
      {
        code: 'RETURN_EXCEEDS_SOLD',
        field: ['input', 'lines', '0', 'quantity'],
        message: 'Only 3 units of this line can still be returned',
      },
    ]);
    expect(await t.counts()).toEqual(counts);

    expect((await giveBack(saleId, [{ saleLineId: a, quantity: 2 }])).body.data!.returnSale.errors).toEqual([]);
    const afterFirst = await t.counts();
    const second = await giveBack(saleId, [
      { saleLineId: b, quantity: 1 },
      { saleLineId: a, quantity: 2 },
    ]);
    // All lines or none: b would fit, a does not.
    expect(second.body.data!.returnSale.errors.map((e) => [e.code, e.field?.[2]])).toEqual([
      ['RETURN_EXCEEDS_SOLD', '1'],
    ]);
    expect(await t.counts()).toEqual(afterFirst);
    const lines = await t.sql<{ id: string; returned_quantity: number }>(
      'select id, returned_quantity from sale_lines where sale_id = $1 order by line_no',
      [saleId],
    );
    expect(lines.map((l) => l.returned_quantity)).toEqual([2, 0]);
  });

  it('two concurrent returns of the last units: exactly one is accepted', async () => {
    const { saleId, a } = await soldThree();
    const before = t.inventory.level(LOC, 'prod-0001');
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => giveBack(saleId, [{ saleLineId: a, quantity: 2 }])),
    );
    const accepted = answers.filter((r) => r.body.data!.returnSale.return);
    const refused = answers.flatMap((r) => r.body.data!.returnSale.errors.map((e) => e.code));
    expect(accepted).toHaveLength(1);
    expect(refused).toEqual(['RETURN_EXCEEDS_SOLD', 'RETURN_EXCEEDS_SOLD', 'RETURN_EXCEEDS_SOLD']);
    expect(t.inventory.level(LOC, 'prod-0001').onHand).toBe(before.onHand + 2);
  });

  it('bad input: unknown sale, line of another sale, duplicate line, zero units, a cancelled sale, another store', async () => {
    const { saleId, a } = await soldThree();
    const other = await soldThree();
    const counts = await t.counts();
    const codes = async (...args: Parameters<typeof giveBack>) =>
      (await giveBack(...args)).body.data!.returnSale.errors.map((e) => e.code);
    expect(await codes('sale-nope', [{ saleLineId: a, quantity: 1 }])).toEqual(['UNKNOWN_SALE']);
    expect(await codes(saleId, [{ saleLineId: other.a, quantity: 1 }])).toEqual(['UNKNOWN_SALE_LINE']);
    expect(
      await codes(saleId, [
        { saleLineId: a, quantity: 1 },
        { saleLineId: a, quantity: 1 },
      ]),
    ).toEqual(['DUPLICATE_LINE']);
    expect(await codes(saleId, [{ saleLineId: a, quantity: 0 }])).toEqual(['INVALID_QUANTITY']);
    expect(await codes(saleId, [])).toEqual(['INVALID_LINES']);
    expect(
      await codes(saleId, [{ saleLineId: a, quantity: 1 }], { registerId: 'reg-store-2-1', token: tokens.admin() }),
    ).toEqual(['REGISTER_NOT_IN_STORE']);
    expect(await codes(saleId, [{ saleLineId: a, quantity: 1 }], { key: 'x'.repeat(101) })).toEqual([
      'INVALID_IDEMPOTENCY_KEY',
    ]);
    const intruder = await giveBack(saleId, [{ saleLineId: a, quantity: 1 }], { token: tokens.clerk('store-2') });
    expect(intruder.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await t.counts()).toEqual(counts);

    await t.gql(
      'mutation($input: CancelSaleInput!) { cancelSale(input: $input) { errors { code } } }',
      { input: { saleId: other.saleId, reason: 'void' } },
      { token: tokens.manager('store-1') },
    );
    expect(await codes(other.saleId, [{ saleLineId: other.a, quantity: 1 }])).toEqual(['SALE_NOT_RETURNABLE']);
    // And a sale with a return cannot be cancelled any more.
    expect((await giveBack(saleId, [{ saleLineId: a, quantity: 1 }])).body.data!.returnSale.errors).toEqual([]);
    const cancel = await t.gql<{ cancelSale: { errors: { code: string }[] } }>(
      'mutation($input: CancelSaleInput!) { cancelSale(input: $input) { errors { code } } }',
      { input: { saleId, reason: 'void' } },
      { token: tokens.manager('store-1') },
    );
    expect(cancel.body.data!.cancelSale.errors.map((e) => e.code)).toEqual(['SALE_HAS_RETURNS']);
  });

  it('an unanswered restock leaves the return PENDING (refund recorded); recovery completes it', async () => {
    const { saleId, b } = await soldThree();
    const before = t.inventory.level(LOC, 'prod-0002');
    t.inventory.fail('returnStock', { ok: false, transient: true, code: 'INVENTORY_UNAVAILABLE', message: 'down' });
    const res = await giveBack(saleId, [{ saleLineId: b, quantity: 1 }]);
    const ret = res.body.data!.returnSale.return!;
    expect(ret.status).toBe('PENDING');
    expect(t.inventory.level(LOC, 'prod-0002')).toEqual(before);
    await new Promise((r) => setTimeout(r, 400));
    await t.running.recovery!.runNow();
    const [row] = await t.sql<{ status: string }>('select status from returns where id = $1', [ret.id]);
    expect(row!.status).toBe('COMPLETED');
    expect(t.inventory.level(LOC, 'prod-0002').onHand).toBe(before.onHand + 1);
  });

  it('a restock refused for good undoes the return: FAILED, the units can be returned again', async () => {
    const { saleId, a } = await soldThree();
    t.inventory.fail('returnStock', {
      ok: false,
      transient: false,
      code: 'UNKNOWN_PRODUCT',
      message: 'no such product',
    });
    const res = await giveBack(saleId, [{ saleLineId: a, quantity: 3 }]);
    expect(res.body.data!.returnSale.return!.status).toBe('FAILED');
    expect(res.body.data!.returnSale.errors.map((e) => e.code)).toEqual(['UNKNOWN_PRODUCT']);
    const [line] = await t.sql<{ returned_quantity: number }>(
      'select returned_quantity from sale_lines where id = $1',
      [a],
    );
    expect(line!.returned_quantity).toBe(0);
    expect((await giveBack(saleId, [{ saleLineId: a, quantity: 3 }])).body.data!.returnSale.return!.status).toBe(
      'COMPLETED',
    );
  });

  it('a sale shows its returns and the lines their returned quantities', async () => {
    const { saleId, a } = await soldThree();
    await giveBack(saleId, [{ saleLineId: a, quantity: 1 }]);
    const res = await t.gql<{
      sale: { returns: { refund: { amount: string }; status: string }[]; lines: { returnedQuantity: number }[] };
    }>(
      'query($id: ID!) { sale(id: $id) { returns { status refund { amount } } lines { returnedQuantity } } }',
      { id: saleId },
      { token: tokens.manager('store-1') },
    );
    expect(res.body.data!.sale).toEqual({
      returns: [{ status: 'COMPLETED', refund: { amount: '10.25' } }],
      lines: [{ returnedQuantity: 1 }, { returnedQuantity: 0 }],
    });
  });
});
