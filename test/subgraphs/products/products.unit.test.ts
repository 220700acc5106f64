import { Kind } from 'graphql';
import { DateTimeScalar, DEMO_PRODUCT_COUNT, demoProductId, demoSku } from '../../../subgraphs/kit';
import type { ProductsUserError } from '../../../subgraphs/products/domain/errors';
import {
  familiesFromCounts,
  productCountOf,
  type CategoryCountRow,
} from '../../../subgraphs/products/domain/catalogue';
import {
  checkDescription,
  checkFilter,
  checkName,
  checkPrice,
  checkReason,
  checkSearchText,
  checkSku,
  escapeLike,
  MAX_PRICE_CENTS,
  searchTerms,
} from '../../../subgraphs/products/domain/validation';
import { DEMO_CATEGORIES, demoCategoryId, demoProducts } from '../../../subgraphs/products/seed';

function run<T>(check: (errors: ProductsUserError[]) => T): { value: T; codes: string[] } {
  const errors: ProductsUserError[] = [];
  const value = check(errors);
  return { value, codes: errors.map((e) => e.code) };
}

describe('SKU', () => {
  it.each([
    [' sku-0001 ', 'SKU-0001'],
    ['ab', 'AB'],
    ['9-LIVES', '9-LIVES'],
    ['A'.repeat(40), 'A'.repeat(40)],
  ])('accepts %p as %p', (raw, sku) => {
    expect(run((e) => checkSku(raw, ['input', 'sku'], e))).toEqual({ value: sku, codes: [] });
  });

  it.each(['', 'a', '-AB', 'AB CD', 'AB_CD', 'É-1', 'A'.repeat(41)])('refuses %p', (raw) => {
    expect(run((e) => checkSku(raw, ['input', 'sku'], e)).codes).toEqual(['INVALID_SKU']);
  });
});

describe('name, description, reason', () => {
  it('trims names and bounds them to 1..200 characters', () => {
    expect(run((e) => checkName('  Casque  ', ['n'], e))).toEqual({ value: 'Casque', codes: [] });
    expect(run((e) => checkName('x'.repeat(200), ['n'], e)).codes).toEqual([]);
    expect(run((e) => checkName(' \t ', ['n'], e)).codes).toEqual(['INVALID_NAME']);
    expect(run((e) => checkName('x'.repeat(201), ['n'], e)).codes).toEqual(['INVALID_NAME']);
  });

  it('defaults the description to empty and bounds it', () => {
    expect(run((e) => checkDescription(undefined, ['d'], e))).toEqual({ value: '', codes: [] });
    expect(run((e) => checkDescription('x'.repeat(5001), ['d'], e)).codes).toEqual(['INVALID_DESCRIPTION']);
  });

  it('turns a blank reason into null', () => {
    expect(run((e) => checkReason('  ', ['r'], e))).toEqual({ value: null, codes: [] });
    expect(run((e) => checkReason(' Promo ', ['r'], e))).toEqual({ value: 'Promo', codes: [] });
    expect(run((e) => checkReason('r'.repeat(501), ['r'], e)).codes).toEqual(['INVALID_REASON']);
  });
});

describe('price', () => {
  it.each([
    ['12.5', 1250],
    ['0.01', 1],
    [String(MAX_PRICE_CENTS / 100), MAX_PRICE_CENTS],
  ])('converts %p to %d cents', (raw, cents) => {
    expect(run((e) => checkPrice(raw, ['p'], e))).toEqual({ value: cents, codes: [] });
  });

  it.each(['0', '0.00', '-1', 'abc', String(MAX_PRICE_CENTS / 100 + 1)])('refuses %p with INVALID_PRICE', (raw) => {
    const errors: ProductsUserError[] = [];
    checkPrice(raw, ['input', 'price'], errors);
    expect(errors).toEqual([{ code: 'INVALID_PRICE', field: ['input', 'price'], message: expect.any(String) }]);
  });
});

describe('search text', () => {
  it('splits into distinct words, ignoring case for duplicates', () => {
    expect(searchTerms('  Casque  audio casque 42 ')).toEqual(['Casque', 'audio', '42']);
    expect(searchTerms('   ')).toEqual([]);
  });

  it('escapes LIKE wildcards and the escape character', () => {
    expect(escapeLike('70 %')).toBe('70 \\%');
    expect(escapeLike('a_b\\c')).toBe('a\\_b\\\\c');
  });

  it('accepts 1..100 characters after trimming', () => {
    expect(checkSearchText('  casque ')).toEqual({ ok: true, value: 'casque' });
    expect(checkSearchText(' '.repeat(5)).ok).toBe(false);
    expect(checkSearchText('x'.repeat(100)).ok).toBe(true);
    expect(checkSearchText('x'.repeat(101)).ok).toBe(false);
  });

  it('converts a filter to cents and words', () => {
    expect(checkFilter({ categoryId: 'cat-home', text: ' a b ', minPrice: '1.5', maxPrice: '20' })).toEqual({
      ok: true,
      value: { categoryId: 'cat-home', active: null, terms: ['a', 'b'], minPriceCents: 150, maxPriceCents: 2000 },
    });
    expect(checkFilter(null)).toEqual({
      ok: true,
      value: { categoryId: null, active: null, terms: [], minPriceCents: null, maxPriceCents: null },
    });
    expect(checkFilter({ text: 'x'.repeat(101) }).ok).toBe(false);
  });
});

describe('category counts', () => {
  const rows: CategoryCountRow[] = [
    { id: 'root', parentId: null, direct: 2, hasChildren: true },
    { id: 'leaf-a', parentId: 'root', direct: 5, hasChildren: false },
    { id: 'leaf-b', parentId: 'root', direct: 0, hasChildren: false },
    { id: 'other', parentId: null, direct: 1, hasChildren: false },
  ];

  it('adds the children to the head of each requested family', () => {
    const families = familiesFromCounts(['root', 'other', 'missing'], rows);
    expect(families.map((f) => [f.id, f.total])).toEqual([
      ['root', 7],
      ['other', 1],
    ]);
    expect(families[0]?.members.get('leaf-a')).toEqual({ direct: 5, hasChildren: false });
  });

  it('reads a leaf from its parent family and a head from its own', async () => {
    const asked: string[] = [];
    const familyOf = async (id: string) => {
      asked.push(id);
      return familiesFromCounts([id], rows)[0] ?? null;
    };
    const base = { name: '', slug: '', position: 0 };
    expect(await productCountOf({ ...base, id: 'leaf-a', parentId: 'root' }, familyOf)).toBe(5);
    expect(asked).toEqual(['root']);
    expect(await productCountOf({ ...base, id: 'root', parentId: null }, familyOf)).toBe(7);
    expect(await productCountOf({ ...base, id: 'missing', parentId: null }, familyOf)).toBe(0);
  });
});

describe('demo catalogue', () => {
  const products = demoProducts();

  it('has the shared demo ids and SKUs', () => {
    expect(products).toHaveLength(DEMO_PRODUCT_COUNT);
    expect(products.map((p) => p.id)).toEqual(
      Array.from({ length: DEMO_PRODUCT_COUNT }, (_, i) => demoProductId(i + 1)),
    );
    expect(products.map((p) => p.sku)).toEqual(Array.from({ length: DEMO_PRODUCT_COUNT }, (_, i) => demoSku(i + 1)));
    expect(new Set(products.map((p) => p.name)).size).toBe(DEMO_PRODUCT_COUNT);
  });

  it('files every product under a child category with a positive price, a few inactive', () => {
    const leaves = new Set(DEMO_CATEGORIES.flatMap((r) => r.children.map((c) => demoCategoryId(r.key, c.key))));
    expect(DEMO_CATEGORIES).toHaveLength(6);
    for (const root of DEMO_CATEGORIES) expect(root.children.length).toBeGreaterThanOrEqual(3);
    for (const p of products) {
      expect(leaves.has(p.categoryId)).toBe(true);
      expect(Number.isInteger(p.priceCents) && p.priceCents > 0).toBe(true);
    }
    const inactive = products.filter((p) => !p.active).length;
    expect(inactive).toBeGreaterThan(0);
    expect(inactive).toBeLessThan(20);
  });

  it('is deterministic', () => {
    expect(demoProducts()).toEqual(products);
  });
});

describe('DateTime', () => {
  it('serialises dates as ISO strings and refuses garbage', () => {
    expect(DateTimeScalar.serialize(new Date('2026-03-01T14:30:00Z'))).toBe('2026-03-01T14:30:00.000Z');
    expect(() => DateTimeScalar.parseValue('yesterday')).toThrow(/ISO 8601/);
    expect(DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: '2026-03-01T00:00:00Z' })).toEqual(
      new Date('2026-03-01T00:00:00Z'),
    );
  });
});
