/** Today's figures at a glance, refreshed on an interval: the chain's or one store's. */
import { useEffect, useState } from 'react';
import { NetworkStatus } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { BackOfficeDashboardDocument } from '../../../schema/operations/generated';
import { StorePicker } from '../components/store-picker';
import { Figure, Loading } from '../components/ui';
import { ProblemMessage } from '../errors';
import { formatCount, formatDay, formatMoney, formatTime } from '../format';
import { Link, setParams, useLocation } from '../router';
import { useStaff } from '../session';
import { useStores } from '../stores';

export function Dashboard({ refreshMs }: { refreshMs: number }) {
  const staff = useStaff();
  const { params } = useLocation();
  const { name } = useStores();
  // Head office reads the chain's dashboard unless it names a store; a manager's is their store's.
  const storeId = staff.role === 'ADMIN' ? params.get('store') : null;
  const { data, error, loading, refetch, networkStatus } = useQuery(BackOfficeDashboardDocument, {
    variables: { storeId },
    pollInterval: refreshMs,
    // Each poll's end re-renders, so "updated" says when the figures were last read.
    notifyOnNetworkStatusChange: true,
  });
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  useEffect(() => {
    if (networkStatus === NetworkStatus.ready) setUpdatedAt(new Date());
  }, [networkStatus, data]);
  const dashboard = data?.dashboard;
  const about = staff.role === 'ADMIN' ? name(storeId) : (staff.store?.name ?? '');
  const stockLink = `/stock${dashboard && dashboard.id !== 'chain' ? `?store=${dashboard.id}&` : '?'}low=1`;

  return (
    <section aria-labelledby="dashboard-title">
      <div className="screen-head">
        <h1 id="dashboard-title">Dashboard</h1>
        {staff.role === 'ADMIN' ? (
          <StorePicker id="dashboard-store" value={storeId} allowChain onChange={(s) => setParams({ store: s })} />
        ) : null}
      </div>
      {error ? <ProblemMessage error={error} /> : null}
      {loading && !dashboard ? <Loading what="today's figures" /> : null}
      {dashboard ? (
        <>
          <p className="subtitle">
            {about} · today, {formatDay(dashboard.date)} (Toronto time) ·{' '}
            <span>updated {updatedAt ? formatTime(updatedAt) : '…'}</span>, refreshed every{' '}
            {Math.round(refreshMs / 1000)} s{' '}
            <button type="button" className="link-button" onClick={() => void refetch()}>
              Refresh now
            </button>
          </p>
          <div className="figures">
            <Figure
              id="revenue-today"
              label="Revenue today"
              value={formatMoney(dashboard.revenueToday)}
              note={dashboard.id === 'chain' ? 'Stores and online, net of returns' : 'Till sales, net of returns'}
            />
            <Figure
              id="orders-today"
              label="Online orders today"
              value={formatCount(dashboard.ordersToday)}
              note={dashboard.id === 'chain' ? 'Confirmed, less cancelled' : 'Online orders belong to no store'}
            />
            <Figure id="sales-today" label="Till sales today" value={formatCount(dashboard.salesToday)} />
            <Figure
              id="low-stock"
              label="Low-stock levels"
              value={<Link to={stockLink}>{formatCount(dashboard.lowStockCount)}</Link>}
              note="At or below their reorder point"
            />
            <Figure
              id="pending-replenishments"
              label="Pending replenishments"
              value={
                <Link to={`/replenishment?status=PENDING${dashboard.id !== 'chain' ? `&store=${dashboard.id}` : ''}`}>
                  {formatCount(dashboard.pendingReplenishments)}
                </Link>
              }
              note="Waiting for head office"
            />
          </div>
        </>
      ) : null}
    </section>
  );
}
