import type { MigrationClass } from '../../kit';
import { Migration20261201000000Retail } from './Migration20261201000000_retail';

/** Committed migrations in the order they run; append, never edit one that has shipped. */
export const migrations: { name: string; class: MigrationClass }[] = [
  { name: 'Migration20261201000000_retail', class: Migration20261201000000Retail },
];
