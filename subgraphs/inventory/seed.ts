import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  DEMO_LOCATIONS,
  DEMO_PRODUCT_COUNT,
  demoProductId,
  queryOne,
  queryRows,
  seededRandom,
  type DemoLocation,
} from '../kit';
import { recordInventoryEvents, stockChangedEvents } from './domain/events';
import { SEED_LEVELS, SEED_LOCATIONS } from './domain/sql/seed';

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
  const locations = await queryRows(em, SEED_LOCATIONS, {
    locations: JSON.stringify(
      DEMO_LOCATIONS.map((l) => ({ id: l.id, name: l.name, kind: l.kind, store_id: l.storeId })),
    ),
  });
  const created = await em.transactional(async (tx) => {
    const row = await queryOne(tx as EntityManager, SEED_LEVELS, {
      levels: JSON.stringify(
        demoStockLevels().map((l) => ({
          product_id: l.productId,
          location_id: l.locationId,
          on_hand: l.onHand,
          reorder_point: l.reorderPoint,
        })),
      ),
    });
    await recordInventoryEvents(tx as EntityManager, 'seed', stockChangedEvents(row?.changes ?? []));
    return row?.levels ?? 0;
  });
  return { locations: locations.length, levels: created };
}
