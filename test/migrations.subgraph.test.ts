/**
 * Gate, like `npm run migration:create -- --check`: for every registered subgraph, the entity
 * definitions (entities.ts, the one description of its tables, ADR 0003) and its committed
 * migrations describe the same tables. A fresh database is migrated by the committed migrations,
 * then MikroORM's schema diff against the entities must be empty.
 */
import { schemaDiff } from '../subgraphs/kit/db';
import { SUBGRAPH_LIST } from '../subgraphs/registry';
import { freshDatabase } from './helpers/db';

describe('entities and committed migrations agree (npm run migration:create -- --check)', () => {
  it('covers every subgraph of the registry', () => {
    expect(SUBGRAPH_LIST.map((e) => e.name)).toEqual(expect.arrayContaining(['products', 'inventory', 'ecommerce']));
  });

  it.each(SUBGRAPH_LIST.map((e) => [e.name, e] as const))(
    '%s: no pending change (write one with `npm run migration:create -- <subgraph>` when this fails)',
    async (name, entry) => {
      const { definition } = await entry.load();
      const db = await freshDatabase(`migrations_${name}`);
      try {
        const diff = await schemaDiff({
          url: db.url,
          entities: definition.entities,
          migrations: definition.migrations,
        });
        expect(diff.up).toEqual([]);
      } finally {
        await db.drop();
      }
    },
    120_000,
  );
});
