import type { MigrationClass } from '../../kit';
import { Migration20251122000000Catalogue } from './Migration20251122000000_catalogue';
import { Migration20261207032905Outbox } from './Migration20261207032905_outbox';

/** Committed migrations in the order they run; append, never edit one that has shipped. */
export const migrations: { name: string; class: MigrationClass }[] = [
  { name: 'Migration20251122000000_catalogue', class: Migration20251122000000Catalogue },
  { name: 'Migration20261207032905_outbox', class: Migration20261207032905Outbox },
];
