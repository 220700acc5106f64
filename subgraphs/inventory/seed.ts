import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  DEMO_LOCATIONS,
  DEMO_PRODUCT_COUNT,
  demoProductId,
  legacyQueryOne,
  legacyQueryRows,
  seededRandom,
  type DemoLocation,
} from '../kit';
import {
  changesColumn,
  LEVEL_AFTER,
  MOVEMENT_RETURNING,
  recordInventoryEvents,
  stockChangedEvents,
  type MovementChange,
} from './domain/events';
import { INSERT_MOVEMENT } from './domain/rows';

export interface SeedLevel {
  productId: string;
  locationId: string;
  onHand: number;
  reorderPoint: number;
}

function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * Deterministic demo stock: every demo product at every location. Online fulfilment is generous
 * (never low, so checkouts succeed); about 10% of warehouse and store levels start at or below
 * their reorder point so lowStock and StoreStock(lowOnly) have something to show.
 */
export function demoStockLevels(): SeedLevel[] {
  const random = seededRandom(20_251_122);
  const levels: SeedLevel[] = [];
  for (let n = 1; n <= DEMO_PRODUCT_COUNT; n++) {
    for (const location of DEMO_LOCATIONS) {
      levels.push({ productId: demoProductId(n), locationId: location.id, ...quantities(location, random) });
    }
  }
  return levels;
}

function quantities(location: DemoLocation, random: () => number): { onHand: number; reorderPoint: number } {
  switch (location.kind) {
    case 'ONLINE': {
      const reorderPoint = between(random, 20, 50);
      return { reorderPoint, onHand: reorderPoint + between(random, 200, 1000) };
    }
    case 'WAREHOUSE': {
      const reorderPoint = between(random, 100, 200);
      const low = random() < 0.1;
      return {
        reorderPoint,
        onHand: low ? between(random, 0, reorderPoint) : reorderPoint + between(random, 50, 1500),
      };
    }
    case 'STORE': {
      const reorderPoint = between(random, 5, 15);
      const low = random() < 0.1;
      return { reorderPoint, onHand: low ? between(random, 0, reorderPoint) : reorderPoint + between(random, 1, 60) };
    }
  }
}

/**
 * Idempotent demo data. Raw SQL, not the unit of work: the write is bulk (2,100 levels and their
 * movements) and conditional (only what does not exist yet is inserted, and the opening RECEIPT
 * movement only for the levels this run created, so that the audit trail adds up to on_hand from the
 * first day); two statements, each an INSERT ... ON CONFLICT DO NOTHING with its rows as one JSON
 * parameter, instead of reading and hydrating thousands of entities on every start. Each opening
 * RECEIPT is also a stock.changed event, as a live receipt would be (docs/events.md), written in the
 * transaction of the levels. Running it again (or on a database where stock has since moved) changes
 * nothing and writes no event.
 */
export async function seedInventory(orm: MikroORM): Promise<{ locations: number; levels: number }> {
  const em = orm.em.fork() as EntityManager;
  const locations = await legacyQueryRows<{ id: string }>(
    em,
    `insert into location (id, name, kind, store_id)
     select id, name, kind, store_id from jsonb_to_recordset(?::jsonb) as x(id text, name text, kind text, store_id text)
     on conflict (id) do nothing
     returning id`,
    [JSON.stringify(DEMO_LOCATIONS.map((l) => ({ id: l.id, name: l.name, kind: l.kind, store_id: l.storeId })))],
  );
  const created = await em.transactional(async (tx) => {
    const row = await legacyQueryOne<{ levels: number; changes: MovementChange[] }>(
      tx as EntityManager,
      `with ins as (
       insert into stock_level as s (product_id, location_id, on_hand, reserved, reorder_point)
       select product_id, location_id, on_hand, 0, reorder_point
         from jsonb_to_recordset(?::jsonb) as x(product_id text, location_id text, on_hand integer, reorder_point integer)
       on conflict (product_id, location_id) do nothing
       returning ${LEVEL_AFTER}
     ), mv as (
       ${INSERT_MOVEMENT}
       select product_id, location_id, on_hand, 0, 'RECEIPT', 'seed', 'initial demo stock', 'system:seed'
         from ins where on_hand > 0
         order by location_id, product_id
       ${MOVEMENT_RETURNING}
     )
     select (select count(*)::int from ins) as "levels", ${changesColumn('mv', ['ins'])}`,
      [
        JSON.stringify(
          demoStockLevels().map((l) => ({
            product_id: l.productId,
            location_id: l.locationId,
            on_hand: l.onHand,
            reorder_point: l.reorderPoint,
          })),
        ),
      ],
    );
    await recordInventoryEvents(tx as EntityManager, 'seed', stockChangedEvents(row?.changes ?? []));
    return row?.levels ?? 0;
  });
  return { locations: locations.length, levels: created };
}
