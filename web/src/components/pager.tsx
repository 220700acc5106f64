/**
 * Every list pages: connections by cursor (`after`, the previous pages' cursors kept to go back),
 * plain lists (top products, suggestions, search hits) by slicing what was fetched.
 */
import { useCallback, useState } from 'react';
import { formatCount } from '../format';

export interface CursorPages {
  /** The `after` variable of the page shown. */
  after: string | null;
  /** 1-based. */
  page: number;
  next: (endCursor: string | null | undefined) => void;
  previous: () => void;
  reset: () => void;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const next = useCallback((end: string | null | undefined) => {
    if (end) setCursors((c) => [...c, end]);
  }, []);
  const previous = useCallback(() => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)), []);
  const reset = useCallback(() => setCursors([null]), []);
  return { after: cursors[cursors.length - 1] ?? null, page: cursors.length, next, previous, reset };
}

export function Pager({
  label,
  page,
  pageSize,
  totalCount,
  hasNext,
  onNext,
  onPrevious,
}: {
  /** What is paged, for screen readers: "Stock pages". */
  label: string;
  page: number;
  pageSize: number;
  totalCount: number;
  hasNext: boolean;
  onNext: () => void;
  onPrevious: () => void;
}) {
  const pages = Math.max(1, Math.ceil(totalCount / pageSize));
  if (totalCount <= pageSize && page === 1) {
    return <p className="pager-summary">{totalCount === 1 ? '1 item' : `${formatCount(totalCount)} items`}</p>;
  }
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={onPrevious} disabled={page <= 1}>
        ← Previous
      </button>
      <span aria-live="polite">
        Page {formatCount(page)} of {formatCount(pages)} · {formatCount(totalCount)} items
      </span>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        Next →
      </button>
    </nav>
  );
}

/** What a connection of the API tells its pager. */
export interface PagedConnection {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** The pager of a connection paged by cursor (`useCursorPages`). */
export function ConnectionPager({
  label,
  pages,
  pageSize,
  connection,
}: {
  label: string;
  pages: CursorPages;
  pageSize: number;
  connection: PagedConnection;
}) {
  return (
    <Pager
      label={label}
      page={pages.page}
      pageSize={pageSize}
      totalCount={connection.totalCount}
      hasNext={connection.pageInfo.hasNextPage}
      onNext={() => pages.next(connection.pageInfo.endCursor)}
      onPrevious={pages.previous}
    />
  );
}

/** A page of a list fetched whole. */
export function useLocalPages<T>(items: readonly T[], pageSize: number) {
  const [page, setPage] = useState(1);
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const shown = Math.min(page, pages);
  return {
    items: items.slice((shown - 1) * pageSize, shown * pageSize),
    pager: {
      page: shown,
      pageSize,
      totalCount: items.length,
      hasNext: shown < pages,
      onNext: () => setPage(shown + 1),
      onPrevious: () => setPage(Math.max(1, shown - 1)),
    },
    reset: () => setPage(1),
  };
}
