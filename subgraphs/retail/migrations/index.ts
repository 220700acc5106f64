import type { MigrationClass } from '../../kit';
import { Migration20261201000000Retail } from './Migration20261201000000_retail';
import { Migration20261201224407Outbox } from './Migration20261201224407_outbox';
import { Migration20261201224442SaleLineCategory } from './Migration20261201224442_sale_line_category';
import { Migration20261207023550SagaEngineColumns } from './Migration20261207023550_saga_engine_columns';

/** Committed migrations in the order they run; append, never edit one that has shipped. */
export const migrations: { name: string; class: MigrationClass }[] = [
  { name: 'Migration20261201000000_retail', class: Migration20261201000000Retail },
  { name: 'Migration20261201224407_outbox', class: Migration20261201224407Outbox },
  { name: 'Migration20261201224442_sale_line_category', class: Migration20261201224442SaleLineCategory },
  { name: 'Migration20261207023550_saga_engine_columns', class: Migration20261207023550SagaEngineColumns },
];
