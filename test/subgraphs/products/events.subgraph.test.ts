import { Client } from 'pg';
import { demoProductId, eventStream } from '../../../subgraphs/kit';
import {
  ChangeProductPriceDocument,
  CreateProductDocument,
  UpdateProductDocument,
  type ChangeProductPriceInput,
  type CreateProductInput,
  type UpdateProductInput,
} from '../../../schema/operations/generated';
import { seedProducts } from '../../../subgraphs/products/seed';
import { start, type RunningProducts } from '../../../subgraphs/products/server';
import { freshDatabase, type TestDatabase } from '../../helpers/db';
import { contractViolations, readEventContract } from '../../helpers/event-contract';
import {
  envelopesOfOutbox,
  expectPublishedAsRetained,
  ownEventStreams,
  retainedEventsOf,
  type OwnStreams,
} from '../../helpers/producer-events';
import { postGraphQL, tokens, waitFor } from '../../helpers/toolkit';

/**
 * The catalogue's events (docs/events.md, product.*): each catalogue change writes exactly its event,
 * in its own transaction (the outbox row and the product's row have the same writing transaction), a
 * refused change or one that changes nothing writes none, the demo seed writes none, retainedEvents
 * serves them to SERVICE callers only, and the relays of two products processes publish each event
 * once, in sequence order, to this file's `events:products` stream.
 */
let db: TestDatabase;
let replicas: RunningProducts[];
let pg: Client;
let streams: OwnStreams;
let turn = 0;
const contract = readEventContract();
const MANAGER = tokens.manager();
const service = tokens.service('reports');

function next(): RunningProducts {
  return replicas[turn++ % replicas.length]!;
}

const retained = retainedEventsOf(() => next().url, service);

beforeAll(async () => {
  streams = ownEventStreams();
  db = await freshDatabase('products_events');
  const first = await start({ dbUrl: db.url, port: 0, afterMigrate: seedProducts });
  replicas = [first, await start({ dbUrl: db.url, port: 0, runMigrations: false })];
  pg = new Client({ connectionString: db.url });
  await pg.connect();
}, 60_000);

afterAll(async () => {
  await streams?.close();
  await pg?.end();
  await Promise.all((replicas ?? []).map((r) => r.stop()));
  await db?.drop();
});

/** One outbox row as the tests assert it, with the transaction that wrote it. */
interface Row {
  type: string;
  version: number;
  aggregate: { type: string; id: string };
  correlationId: string | null;
  occurredAt: string;
  data: Record<string, unknown>;
  xid: string;
}

async function lastSeq(): Promise<string> {
  const res = await pg.query<{ seq: string }>('select coalesce(max(seq), 0)::text as seq from outbox');
  return res.rows[0]!.seq;
}

/** The events written after `seq`, in sequence order (read on the test's own connection). */
async function since(seq: string): Promise<Row[]> {
  const res = await pg.query<{
    type: string;
    version: number;
    at: string;
    aid: string;
    cid: string | null;
    occurred_at: Date;
    data: Record<string, unknown>;
    xid: string;
  }>(
    `select type, version, aggregate_type as at, aggregate_id as aid, correlation_id as cid, occurred_at, data,
            xmin::text as xid
       from outbox where seq > $1::bigint order by seq`,
    [seq],
  );
  return res.rows.map((r) => ({
    type: r.type,
    version: r.version,
    aggregate: { type: r.at, id: r.aid },
    correlationId: r.cid,
    occurredAt: r.occurred_at.toISOString(),
    data: r.data,
    xid: r.xid,
  }));
}

/** The transaction that last wrote a row (PostgreSQL's xmin). */
async function writer(table: 'products' | 'product_price_changes', where: string, value: string): Promise<string> {
  const res = await pg.query<{ xid: string }>(`select xmin::text as xid from ${table} where ${where} = $1`, [value]);
  return res.rows[0]!.xid;
}

async function productRow(id: string) {
  const res = await pg.query<{ created_at: Date; updated_at: Date; price_cents: number }>(
    'select created_at, updated_at, price_cents from products where id = $1',
    [id],
  );
  return res.rows[0]!;
}

const headers = (requestId: string) => ({ 'x-request-id': requestId });

/** `token` null: an anonymous request. */
async function createProduct(input: CreateProductInput, requestId: string, token: string | null = MANAGER) {
  const res = await postGraphQL(
    next().url,
    CreateProductDocument,
    { input },
    { token: token ?? undefined, headers: headers(requestId) },
  );
  return res.body;
}

async function changePrice(input: ChangeProductPriceInput, requestId: string, token = MANAGER) {
  const res = await postGraphQL(
    next().url,
    ChangeProductPriceDocument,
    { input },
    { token, headers: headers(requestId) },
  );
  return res.body;
}

async function updateProduct(input: UpdateProductInput, requestId: string, token = MANAGER) {
  const res = await postGraphQL(next().url, UpdateProductDocument, { input }, { token, headers: headers(requestId) });
  return res.body;
}

describe('the demo seed', () => {
  it('writes no event, and none when run again', async () => {
    expect(await lastSeq()).toBe('0');
    await seedProducts(replicas[0]!.orm);
    expect(await lastSeq()).toBe('0');
  });
});

describe('createProduct', () => {
  it('writes one product.created with the product as created, in the transaction that inserted it', async () => {
    const seq = await lastSeq();
    const body = await createProduct(
      {
        sku: ' ev-create-1 ',
        name: '  Casque événement  ',
        description: 'Pour les tests',
        price: '129.5',
        categoryId: 'cat-electronics-audio',
      },
      'req-create-1',
    );
    expect(body.errors).toBeUndefined();
    const product = body.data!.createProduct.product!;
    const events = await since(seq);
    const row = await productRow(product.id);
    expect(events).toEqual([
      {
        type: 'product.created',
        version: 1,
        aggregate: { type: 'Product', id: product.id },
        correlationId: 'req-create-1',
        occurredAt: row.created_at.toISOString(),
        data: {
          productId: product.id,
          sku: 'EV-CREATE-1',
          name: 'Casque événement',
          description: 'Pour les tests',
          priceCents: 12950,
          currency: 'CAD',
          active: true,
          categoryId: 'cat-electronics-audio',
        },
        xid: await writer('products', 'id', product.id),
      },
    ]);
  });

  it('names no category for an unclassified product, and carries its active flag', async () => {
    const seq = await lastSeq();
    const body = await createProduct({ sku: 'EV-CREATE-2', name: 'Sans catégorie', price: '5', active: false }, 'c2');
    const id = body.data!.createProduct.product!.id;
    const [event] = await since(seq);
    expect(event!.data).toEqual({
      productId: id,
      sku: 'EV-CREATE-2',
      name: 'Sans catégorie',
      description: '',
      priceCents: 500,
      currency: 'CAD',
      active: false,
      categoryId: null,
    });
  });

  it.each([
    ['a duplicate SKU', { sku: 'ev-create-1', name: 'Again', price: '10.00' }, 'DUPLICATE_SKU'],
    [
      'an unknown category',
      { sku: 'EV-NOPE-1', name: 'Nope', price: '10.00', categoryId: 'cat-missing' },
      'UNKNOWN_CATEGORY',
    ],
    ['an empty name', { sku: 'EV-NOPE-2', name: '   ', price: '10.00' }, 'INVALID_NAME'],
    ['a zero price', { sku: 'EV-NOPE-3', name: 'Free', price: '0' }, 'INVALID_PRICE'],
  ])('writes nothing for %s', async (_label, input, code) => {
    const seq = await lastSeq();
    const body = await createProduct(input, 'refused');
    expect(body.data!.createProduct.errors.map((e) => e.code)).toEqual([code]);
    expect(await since(seq)).toEqual([]);
  });

  it('writes nothing for a caller who may not change the catalogue', async () => {
    const seq = await lastSeq();
    for (const token of [tokens.clerk(), tokens.customer(), null]) {
      const body = await createProduct({ sku: 'EV-NOPE-4', name: 'Forbidden', price: '1.00' }, 'denied', token);
      expect(body.data ?? null).toBeNull();
    }
    expect(await since(seq)).toEqual([]);
  });
});

describe('changeProductPrice', () => {
  const id = demoProductId(7);

  it('writes one product.price_changed with the old and new price, in the transaction of its history entry', async () => {
    const before = await productRow(id);
    const seq = await lastSeq();
    const body = await changePrice({ productId: id, price: '19.99', reason: '  Promotion  ' }, 'req-price-1');
    expect(body.data!.changeProductPrice.errors).toEqual([]);
    const [history] = (
      await pg.query<{ id: string; changed_at: Date }>(
        'select id::text, changed_at from product_price_changes where product_id = $1 order by id desc limit 1',
        [id],
      )
    ).rows;
    const events = await since(seq);
    expect(events).toEqual([
      {
        type: 'product.price_changed',
        version: 1,
        aggregate: { type: 'Product', id },
        correlationId: 'req-price-1',
        occurredAt: history!.changed_at.toISOString(),
        data: {
          productId: id,
          sku: 'SKU-0007',
          priceChangeId: history!.id,
          oldPriceCents: before.price_cents,
          newPriceCents: 1999,
          currency: 'CAD',
          reason: 'Promotion',
        },
        xid: await writer('products', 'id', id),
      },
    ]);
    expect(await writer('product_price_changes', 'id', history!.id)).toBe(events[0]!.xid);
  });

  it('writes nothing when the price is already the current one', async () => {
    const seq = await lastSeq();
    const body = await changePrice({ productId: id, price: '19.99' }, 'same');
    expect(body.data!.changeProductPrice.errors).toEqual([]);
    expect(await since(seq)).toEqual([]);
  });

  it.each([
    ['an unknown product', { productId: 'prod-missing', price: '10.00' }, 'NOT_FOUND'],
    ['a negative price', { productId: id, price: '-1' }, 'INVALID_PRICE'],
    ['an over-long reason', { productId: id, price: '11.00', reason: 'x'.repeat(501) }, 'INVALID_REASON'],
  ])('writes nothing for %s', async (_label, input, code) => {
    const seq = await lastSeq();
    const body = await changePrice(input, 'refused');
    expect(body.data!.changeProductPrice.errors.map((e) => e.code)).toEqual([code]);
    expect(await since(seq)).toEqual([]);
    expect((await productRow(id)).price_cents).toBe(1999);
  });
});

describe('updateProduct', () => {
  const id = demoProductId(8);

  it('writes one product.updated naming what changed, with the values after it, in the updating transaction', async () => {
    const seq = await lastSeq();
    const body = await updateProduct(
      { productId: id, name: ' Nouveau nom ', description: 'Nouvelle description', categoryId: 'cat-home-decor' },
      'req-update-1',
    );
    expect(body.data!.updateProduct.errors).toEqual([]);
    const original = body.data!.updateProduct.product!;
    const events = await since(seq);
    const row = await productRow(id);
    expect(events).toEqual([
      {
        type: 'product.updated',
        version: 1,
        aggregate: { type: 'Product', id },
        correlationId: 'req-update-1',
        occurredAt: row.updated_at.toISOString(),
        data: {
          productId: id,
          sku: 'SKU-0008',
          changed: ['name', 'description', 'categoryId'],
          name: 'Nouveau nom',
          description: 'Nouvelle description',
          active: original.active,
          categoryId: 'cat-home-decor',
          previousCategoryId: expect.stringMatching(/^cat-/),
        },
        xid: await writer('products', 'id', id),
      },
    ]);
    expect(events[0]!.data.previousCategoryId).not.toBe('cat-home-decor');
  });

  it('names only the fields that changed: the active flag, then the category removed', async () => {
    let seq = await lastSeq();
    // The name given again is no change; the flag is.
    await updateProduct({ productId: id, name: 'Nouveau nom', active: false }, 'u2');
    let [event] = await since(seq);
    expect(event!.data).toMatchObject({
      changed: ['active'],
      active: false,
      categoryId: 'cat-home-decor',
      previousCategoryId: 'cat-home-decor',
    });
    seq = await lastSeq();
    await updateProduct({ productId: id, categoryId: null }, 'u3');
    [event] = await since(seq);
    expect(event!.data).toMatchObject({
      changed: ['categoryId'],
      categoryId: null,
      previousCategoryId: 'cat-home-decor',
    });
  });

  it('writes nothing when every given value is the current one', async () => {
    const seq = await lastSeq();
    const body = await updateProduct(
      { productId: id, name: 'Nouveau nom', description: 'Nouvelle description', categoryId: null, active: false },
      'same',
    );
    expect(body.data!.updateProduct.errors).toEqual([]);
    expect(await since(seq)).toEqual([]);
  });

  it.each([
    ['an unknown product', { productId: 'prod-missing', name: 'X' }, 'NOT_FOUND'],
    ['an unknown category', { productId: id, name: 'Autre nom', categoryId: 'cat-missing' }, 'UNKNOWN_CATEGORY'],
    ['an empty name', { productId: id, name: ' ', active: true }, 'INVALID_NAME'],
  ])('writes nothing for %s', async (_label, input, code) => {
    const seq = await lastSeq();
    const body = await updateProduct(input, 'refused');
    expect(body.data!.updateProduct.errors.map((e) => e.code)).toEqual([code]);
    expect(await since(seq)).toEqual([]);
  });
});

describe('one product changed concurrently', () => {
  it('numbers its events in commit order: each price change starts from the previous one', async () => {
    const id = demoProductId(9);
    const seq = await lastSeq();
    const prices = Array.from({ length: 8 }, (_, i) => `${30 + i}.13`);
    const bodies = await Promise.all(prices.map((price, i) => changePrice({ productId: id, price }, `race-${i}`)));
    for (const b of bodies) expect(b.data!.changeProductPrice.errors).toEqual([]);
    const events = await since(seq);
    expect(events).toHaveLength(8);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.data.oldPriceCents).toBe(events[i - 1]!.data.newPriceCents);
    }
    expect(events[events.length - 1]!.data.newPriceCents).toBe((await productRow(id)).price_cents);
  });
});

describe('retainedEvents', () => {
  it('serves every outbox row as its documented envelope, oldest first, page by page', async () => {
    const texts = await retained.all();
    const { envelopes, rows } = await envelopesOfOutbox(pg, texts);
    expect(rows).toBeGreaterThan(10);
    for (const e of envelopes)
      expect({ type: e.type, problems: contractViolations(contract, e) }).toEqual({ type: e.type, problems: [] });
    expect(new Set(envelopes.map((e) => e.source))).toEqual(new Set(['products']));
    expect(new Set(envelopes.map((e) => e.type))).toEqual(
      new Set(['product.created', 'product.updated', 'product.price_changed']),
    );
    expect(await retained.all(3)).toEqual(texts);
  });

  it('is for services only', async () => {
    await retained.expectServicesOnly([tokens.admin(), MANAGER, tokens.clerk(), tokens.customer()]);
  });
});

describe('the relay of every products process', () => {
  it('publishes each event once, in sequence order, to events:products exactly as retainedEvents serves it', async () => {
    const { redis, prefix } = streams;
    const entries = await expectPublishedAsRetained(pg, redis, eventStream('products', prefix), () => retained.all());
    const sequences = entries.map(([, fields]) => (JSON.parse(fields[1]!) as { sequence: number }).sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    // No other producer's stream was written by products.
    expect(eventStream('products', prefix)).toBe(`${prefix}events:products`);
    expect(await redis.exists(eventStream('retail', prefix), eventStream('inventory', prefix))).toBe(0);
  });

  it('publishes a change made after it caught up', async () => {
    const { redis, prefix } = streams;
    const seq = await lastSeq();
    const before = await redis.xlen(eventStream('products', prefix));
    const body = await changePrice({ productId: demoProductId(10), price: '77.00' }, 'late');
    expect(body.data!.changeProductPrice.errors).toEqual([]);
    expect(await since(seq)).toHaveLength(1);
    await waitFor(
      'the stream to grow',
      async () => (await redis.xlen(eventStream('products', prefix))) === before + 1,
      10_000,
      20,
    );
    const latest = await redis.xrevrange(eventStream('products', prefix), '+', '-', 'COUNT', 1);
    const fields = latest[0]![1];
    expect(JSON.parse(fields[1]!)).toMatchObject({
      type: 'product.price_changed',
      source: 'products',
      correlationId: 'late',
      aggregate: { type: 'Product', id: demoProductId(10) },
      data: { newPriceCents: 7700 },
    });
  });
});
