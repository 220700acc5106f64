import type { MigrationClass } from '../../kit';
import { Migration20251122000000InventoryInit } from './Migration20251122000000_inventory_init';
import { Migration20251201000000ReservationRestocked } from './Migration20251201000000_reservation_restocked';
import { Migration20251210000000ReturnsAndReplenishment } from './Migration20251210000000_returns_and_replenishment';
import { Migration20261201224440Outbox } from './Migration20261201224440_outbox';
import { Migration20261207035927ReservationTaken } from './Migration20261207035927_reservation_taken';
import { Migration20261207180000StockLevelHot } from './Migration20261207180000_stock_level_hot';

/** Committed migrations in the order they run (explicit so tsx, jest and node see the same set). */
export const migrations: { name: string; class: MigrationClass }[] = [
  { name: 'Migration20251122000000_inventory_init', class: Migration20251122000000InventoryInit },
  { name: 'Migration20251201000000_reservation_restocked', class: Migration20251201000000ReservationRestocked },
  {
    name: 'Migration20251210000000_returns_and_replenishment',
    class: Migration20251210000000ReturnsAndReplenishment,
  },
  { name: 'Migration20261201224440_outbox', class: Migration20261201224440Outbox },
  { name: 'Migration20261207035927_reservation_taken', class: Migration20261207035927ReservationTaken },
  { name: 'Migration20261207180000_stock_level_hot', class: Migration20261207180000StockLevelHot },
];
