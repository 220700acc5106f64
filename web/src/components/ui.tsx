/** Small pieces every screen uses. */
import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** A figure with its label, e.g. "Revenue today  $1,234.50"; the region is named by the label. */
export function Figure({ id, label, value, note }: { id: string; label: string; value: ReactNode; note?: string }) {
  return (
    <section className="figure-card" aria-labelledby={`${id}-label`} data-figure={id}>
      <h3 id={`${id}-label`}>{label}</h3>
      <p className="figure-value">{value}</p>
      {note ? <p className="figure-note">{note}</p> : null}
    </section>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A table column: its heading, or `{ num }` for a right-aligned figure; false or null leaves it out. */
export type Column = string | { num: string } | false | null;

/** A table's heading row, one `th scope="col"` a column. */
export function HeadRow({ columns }: { columns: readonly Column[] }) {
  return (
    <tr>
      {columns.map((c) =>
        !c ? null : typeof c === 'string' ? (
          <th key={c} scope="col">
            {c}
          </th>
        ) : (
          <th key={c.num} scope="col" className="num">
            {c.num}
          </th>
        ),
      )}
    </tr>
  );
}
