import type { EntitySchema } from '@mikro-orm/postgresql';
import { toDate } from './sql';

/**
 * Select lists for lean reads (ADR 0003), derived from a table's EntitySchema so that a column is
 * described once (entities.ts): `select ${p.columns} from t` returns rows already shaped like the
 * table's TypeScript interface, without entity hydration.
 */
export interface Projection<T> {
  /** `first_name as "firstName", ...`: every column, aliased to its property (prefixed by the table alias, if any). */
  columns: string;
  /** Turns a raw row into the interface's shape (timestamptz text into Dates). */
  fromRow: (row: Record<string, unknown>) => T;
}

export function projection<T, K extends keyof T = never>(
  schema: EntitySchema<T>,
  opts: { omit?: readonly K[]; alias?: string } = {},
): Projection<Omit<T, K>> {
  const omit = (opts.omit ?? []) as readonly string[];
  const prefix = opts.alias ? `${opts.alias}.` : '';
  // The property options as entities.ts wrote them (discovery works on its own copies).
  const props = Object.entries(
    schema.meta.properties as Record<string, { fieldName?: string; type?: unknown; kind?: string }>,
  ).filter(([name]) => !omit.includes(name));
  const columns = props
    .map(([name, p]) => {
      // Without an explicit fieldName the column is the ORM's default (UnderscoreNamingStrategy).
      const column = p.fieldName ?? name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      return column === name && !prefix ? column : `${prefix}${column} as "${name}"`;
    })
    .join(', ');
  // MikroORM's pg type parsers hand timestamptz over as text; the row types hold Dates.
  const dates = props.filter(([, p]) => p.type === 'Date').map(([name]) => name);
  return {
    columns,
    fromRow: (row) => {
      for (const name of dates) {
        const value = row[name];
        if (typeof value === 'string' || value instanceof Date) row[name] = toDate(value);
      }
      return row as Omit<T, K>;
    },
  };
}
