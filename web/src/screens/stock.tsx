/**
 * A store's stock: every level a page at a time, or the products a search finds with their level at
 * the store; low levels only on demand; the movements of one product at the store (managers and head
 * office: the audit trail is theirs to read).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useQuery } from '@apollo/client/react';
import {
  BackOfficeStockMovementsDocument,
  BackOfficeStockSearchDocument,
  BackOfficeStoreStockDocument,
  type StockMovementReason,
} from '../../../schema/operations/generated';
import { ConnectionPager, useCursorPages } from '../components/pager';
import { StorePicker, useScreenStore } from '../components/store-picker';
import { Empty, Loading, HeadRow } from '../components/ui';
import { ProblemMessage } from '../errors';
import { formatCount, formatDateTime } from '../format';
import { setParams, useLocation } from '../router';
import { useStaff } from '../session';
import { useStoreLocations, useStores } from '../stores';

const PAGE = 20;

interface Row {
  productId: string;
  name: string;
  sku: string;
  level: {
    onHand: number;
    reserved: number;
    available: number;
    reorderPoint: number;
    belowReorderPoint: boolean;
  } | null;
}

export function Stock() {
  const staff = useStaff();
  const { params } = useLocation();
  const storeId = useScreenStore(params.get('store'), false);
  const text = params.get('q') ?? '';
  const lowOnly = params.get('low') === '1';
  const productId = params.get('product');
  const [draft, setDraft] = useState(text);
  useEffect(() => setDraft(text), [text]);
  const pages = useCursorPages();
  const { reset } = pages;
  useEffect(() => reset(), [storeId, text, lowOnly, reset]);

  const search = (event: FormEvent) => {
    event.preventDefault();
    setParams({ q: draft.trim() || null });
  };
  const canSeeMovements = staff.role !== 'CLERK';

  return (
    <section aria-labelledby="stock-title">
      <div className="screen-head">
        <h1 id="stock-title">Stock</h1>
      </div>
      <form className="toolbar" onSubmit={search} role="search" aria-label="Stock search">
        <StorePicker
          id="stock-store"
          value={storeId}
          allowChain={false}
          onChange={(s) => setParams({ store: s, product: null })}
        />
        <div className="field grow">
          <label htmlFor="stock-search">Product name or SKU</label>
          <input id="stock-search" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </div>
        <button type="submit">Search</button>
        {text ? (
          <button type="button" className="secondary" onClick={() => setParams({ q: null })}>
            Show all
          </button>
        ) : null}
        <label className="check">
          <input
            type="checkbox"
            checked={lowOnly}
            onChange={(e) => setParams({ low: e.target.checked ? '1' : null })}
          />
          Low stock only
        </label>
      </form>
      {storeId ? (
        text ? (
          <SearchResults
            storeId={storeId}
            text={text}
            lowOnly={lowOnly}
            pages={pages}
            canSeeMovements={canSeeMovements}
          />
        ) : (
          <StoreLevels storeId={storeId} lowOnly={lowOnly} pages={pages} canSeeMovements={canSeeMovements} />
        )
      ) : (
        <Loading what="the stores" />
      )}
      {productId && storeId && canSeeMovements ? <Movements productId={productId} storeId={storeId} /> : null}
    </section>
  );
}

type Pages = ReturnType<typeof useCursorPages>;

function StoreLevels({
  storeId,
  lowOnly,
  pages,
  canSeeMovements,
}: {
  storeId: string;
  lowOnly: boolean;
  pages: Pages;
  canSeeMovements: boolean;
}) {
  const { data, error, loading } = useQuery(BackOfficeStoreStockDocument, {
    variables: { storeId, first: PAGE, after: pages.after, lowOnly },
    // Stock moves with every sale: show what the cache has at once, then what the API says now.
    fetchPolicy: 'cache-and-network',
  });
  if (error) return <ProblemMessage error={error} />;
  const stock = data?.store?.stock;
  if (!stock) return loading ? <Loading what="the stock" /> : <Empty>No such store.</Empty>;
  const rows: Row[] = stock.edges.map(({ node }) => ({
    productId: node.product.id,
    name: node.product.name,
    sku: node.product.sku,
    level: node,
  }));
  return (
    <>
      <StockTable
        rows={rows}
        caption={`${data.store?.name}: ${lowOnly ? 'low levels' : 'every level'}`}
        canSeeMovements={canSeeMovements}
      />
      <ConnectionPager label="Stock pages" pages={pages} pageSize={PAGE} connection={stock} />
    </>
  );
}

function SearchResults({
  storeId,
  text,
  lowOnly,
  pages,
  canSeeMovements,
}: {
  storeId: string;
  text: string;
  lowOnly: boolean;
  pages: Pages;
  canSeeMovements: boolean;
}) {
  const { locationOf, ready } = useStoreLocations();
  const { name } = useStores();
  // Its page size (PAGE) is fixed in the operation itself.
  const { data, error, loading } = useQuery(BackOfficeStockSearchDocument, {
    variables: { text, after: pages.after },
    fetchPolicy: 'cache-and-network',
  });
  if (error) return <ProblemMessage error={error} />;
  const found = data?.products;
  if (!found || !ready) return loading || !ready ? <Loading what="the products" /> : null;
  const location = locationOf(storeId);
  const rows: Row[] = found.edges
    .map(({ node }) => ({
      productId: node.id,
      name: node.active ? node.name : `${node.name} (withdrawn)`,
      sku: node.sku,
      level: node.stock.levels.find((l) => l.location.id === location) ?? null,
    }))
    .filter((r) => !lowOnly || r.level?.belowReorderPoint);
  return (
    <>
      {found.totalCount === 0 ? <Empty>No product matches “{text}”.</Empty> : null}
      {found.totalCount > 0 ? (
        <StockTable
          rows={rows}
          caption={`${name(storeId)}: products matching “${text}”${lowOnly ? ', low levels of this page' : ''}`}
          canSeeMovements={canSeeMovements}
        />
      ) : null}
      <ConnectionPager label="Search result pages" pages={pages} pageSize={PAGE} connection={found} />
    </>
  );
}

function StockTable({ rows, caption, canSeeMovements }: { rows: Row[]; caption: string; canSeeMovements: boolean }) {
  return (
    <div className="table-wrap">
      <table className="stock-table">
        <caption>{caption}</caption>
        <thead>
          <HeadRow
            columns={[
              'Product',
              'SKU',
              { num: 'On hand' },
              { num: 'Reserved' },
              { num: 'Available' },
              { num: 'Reorder point' },
              canSeeMovements && 'History',
            ]}
          />
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.productId} data-sku={r.sku} className={r.level?.belowReorderPoint ? 'low' : undefined}>
              <th scope="row">
                {r.name}
                {r.level?.belowReorderPoint ? <span className="badge">Low</span> : null}
              </th>
              <td className="sku">{r.sku}</td>
              {r.level ? (
                <>
                  <td className="num">{formatCount(r.level.onHand)}</td>
                  <td className="num">{formatCount(r.level.reserved)}</td>
                  <td className="num" data-column="available">
                    {formatCount(r.level.available)}
                  </td>
                  <td className="num">{formatCount(r.level.reorderPoint)}</td>
                </>
              ) : (
                <td colSpan={4}>Not stocked at this store</td>
              )}
              {canSeeMovements ? (
                <td>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => setParams({ product: r.productId })}
                    aria-label={`Movements of ${r.name}`}
                  >
                    Movements
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const REASONS: Record<StockMovementReason, string> = {
  ADJUSTMENT: 'Adjustment',
  RECEIPT: 'Goods received',
  SALE: 'Sale',
  RETURN: 'Return',
  DAMAGE: 'Damaged',
  TRANSFER_IN: 'Transfer in',
  TRANSFER_OUT: 'Transfer out',
  RESERVATION: 'Reserved',
  RESERVATION_RELEASED: 'Reservation released',
  RESERVATION_EXPIRED: 'Reservation expired',
  RESERVATION_COMMITTED: 'Reservation taken',
};

const signed = (n: number) => (n > 0 ? `+${formatCount(n)}` : n === 0 ? '0' : formatCount(n));

function Movements({ productId, storeId }: { productId: string; storeId: string }) {
  const { locationOf, ready } = useStoreLocations();
  const { name } = useStores();
  const pages = useCursorPages();
  const { reset } = pages;
  useEffect(() => reset(), [productId, storeId, reset]);
  const locationId = locationOf(storeId);
  const { data, error, loading } = useQuery(BackOfficeStockMovementsDocument, {
    variables: { productId, locationId, first: PAGE, after: pages.after },
    skip: !ready,
    fetchPolicy: 'cache-and-network',
  });
  const movements = data?.stockMovements;
  return (
    <section aria-labelledby="movements-title" className="panel">
      <div className="screen-head">
        <h2 id="movements-title">
          Movements of {data?.product?.name ?? productId} at {name(storeId)}
        </h2>
        <button type="button" className="secondary" onClick={() => setParams({ product: null })}>
          Close
        </button>
      </div>
      {error ? <ProblemMessage error={error} /> : null}
      {!movements && (loading || !ready) ? <Loading what="the movements" /> : null}
      {movements && movements.totalCount === 0 ? <Empty>No movement recorded.</Empty> : null}
      {movements && movements.totalCount > 0 ? (
        <>
          <div className="table-wrap">
            <table aria-labelledby="movements-title">
              <thead>
                <HeadRow columns={['When', 'Why', { num: 'On hand' }, { num: 'Reserved' }, 'Reference', 'By']} />
              </thead>
              <tbody>
                {movements.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>{formatDateTime(node.createdAt)}</td>
                    <td>
                      {REASONS[node.reason]}
                      {node.note ? <span className="status-note"> {node.note}</span> : null}
                    </td>
                    <td className="num">{signed(node.onHandDelta)}</td>
                    <td className="num">{signed(node.reservedDelta)}</td>
                    <td>{node.reference ?? '–'}</td>
                    <td>{node.actor}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ConnectionPager label="Movement pages" pages={pages} pageSize={PAGE} connection={movements} />
        </>
      ) : null}
    </section>
  );
}
