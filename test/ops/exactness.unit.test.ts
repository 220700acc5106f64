import {
  addEffect,
  cents,
  expectedFigures,
  levelsBelowZero,
  noEffects,
  stockDifferences,
} from '../../loadtests/exactness';

const sold = () => {
  const e = noEffects();
  addEffect(
    e,
    [
      { productId: 'p1', quantity: 2 },
      { productId: 'p2', quantity: 1 },
    ],
    '30.50',
  );
  addEffect(e, [{ productId: 'p1', quantity: 1 }], '9.05');
  return e;
};

it('sums what the operations said: units per product, transactions, revenue in cents', () => {
  const e = sold();
  expect(Object.fromEntries(e.units)).toEqual({ p1: 3, p2: 1 });
  expect(e.transactions).toBe(2);
  expect(e.revenueCents).toBe(3955);
  expect([cents('12'), cents('12.5'), cents('-0.07')]).toEqual([1200, 1250, -7]);
  expect(() => cents('12.345')).toThrow('not a money amount');
});

it('finds stock that moved by other than what was sold, including a product sold but never read', () => {
  const before = new Map([
    ['p1', 10],
    ['p2', 5],
    ['p3', 4],
  ]);
  expect(
    stockDifferences(
      before,
      new Map([
        ['p1', 7],
        ['p2', 4],
        ['p3', 4],
      ]),
      sold(),
    ),
  ).toEqual([]);
  expect(
    stockDifferences(
      before,
      new Map([
        ['p1', 8],
        ['p2', 4],
        ['p3', 3],
      ]),
      sold(),
    ),
  ).toEqual(['p1: expected -3, saw -2', 'p3: expected -0, saw -1']);
  expect(stockDifferences(new Map([['p1', 10]]), new Map([['p1', 7]]), sold())).toEqual(['p2: expected -1, saw 0']);
});

it('names every level below zero and adds the effects to the report', () => {
  const level = (id: string, onHand: number, reserved: number) => ({
    location: { id },
    onHand,
    reserved,
    available: onHand - reserved,
  });
  expect(
    levelsBelowZero(
      new Map([
        ['p1', [level('a', 3, 1), level('b', 1, 2)]],
        ['p2', [level('c', -1, 0)]],
      ]),
    ),
  ).toEqual(['p1@b', 'p2@c']);
  expect(expectedFigures({ transactions: 5, unitsSold: 9, revenueCents: 100 }, sold())).toEqual({
    transactions: 7,
    unitsSold: 13,
    revenueCents: 4055,
  });
});
