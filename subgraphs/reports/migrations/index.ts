import type { MigrationClass } from '../../kit';
import { Migration20261201210000Reports } from './Migration20261201210000_reports';

/** Committed migrations in the order they run; append, never edit one that has shipped. */
export const migrations: { name: string; class: MigrationClass }[] = [
  { name: 'Migration20261201210000_reports', class: Migration20261201210000Reports },
];
