import type { MigrationClass } from '../../kit';
import { Migration20251201000000Ecommerce } from './Migration20251201000000_ecommerce';
import { Migration20261201224410Outbox } from './Migration20261201224410_outbox';
import { Migration20261201224512OrderLineCategory } from './Migration20261201224512_order_line_category';

/** Committed migrations in the order they run; append, never edit one that has shipped. */
export const migrations: { name: string; class: MigrationClass }[] = [
  { name: 'Migration20251201000000_ecommerce', class: Migration20251201000000Ecommerce },
  { name: 'Migration20261201224410_outbox', class: Migration20261201224410Outbox },
  { name: 'Migration20261201224512_order_line_category', class: Migration20261201224512OrderLineCategory },
];
