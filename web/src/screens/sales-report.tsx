/**
 * The sales report: a period and a store (a manager's own store only), the totals, charts of daily
 * revenue and of revenue by store, channel and category, the top products with their stock now, a
 * CSV of all of it, and saved snapshots (generateReport) with their status.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import {
  BackOfficeSalesReportDocument,
  GenerateReportDocument,
  ReportsDocument,
  type BackOfficeSalesReportQuery,
  type ReportStatus,
  type SalesChannel,
} from '../../../schema/operations/generated';
import { Chart } from '../components/chart';
import { Pager, useCursorPages, useLocalPages, ConnectionPager } from '../components/pager';
import { StorePicker, useScreenStore } from '../components/store-picker';
import { Empty, Figure, Loading, HeadRow } from '../components/ui';
import { downloadCsv, type Cell } from '../csv';
import { FieldError, FieldErrors, FormErrors, ProblemMessage } from '../errors';
import {
  addDays,
  chainToday,
  daysBetween,
  formatCount,
  formatDateTime,
  formatDay,
  formatMoney,
  toMinor,
} from '../format';
import { setParams, useLocation } from '../router';
import { useStoreLocations, useStores } from '../stores';

type Report = BackOfficeSalesReportQuery['salesReport'];

const TOP = 50;
const TOP_PAGE = 10;
const SAVED_PAGE = 10;
const CHANNELS: Record<SalesChannel, string> = { STORE: 'In store', ONLINE: 'Online' };
const STATUS: Record<ReportStatus, string> = { PENDING: 'Being prepared', READY: 'Ready', FAILED: 'Failed' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const amountOf = (money: { amount: string }) => toMinor(money.amount) / 100;

/** Compact axis labels: "$12K". */
const axisMoney = new Intl.NumberFormat('en-CA', {
  style: 'currency',
  currency: 'CAD',
  notation: 'compact',
  maximumFractionDigits: 1,
});

export function SalesReportScreen() {
  const { params } = useLocation();
  const today = chainToday();
  const from = DAY.test(params.get('from') ?? '') ? params.get('from')! : addDays(today, -6);
  const to = DAY.test(params.get('to') ?? '') ? params.get('to')! : today;
  const storeId = useScreenStore(params.get('store'), true);

  const [draftFrom, setDraftFrom] = useState(from);
  const [draftTo, setDraftTo] = useState(to);
  useEffect(() => {
    setDraftFrom(from);
    setDraftTo(to);
  }, [from, to]);

  // generateReport's refusals name the period or the store: shown beside those inputs.
  const [saveErrors, setSaveErrors] = useState(FieldErrors.none('reports'));
  const { data, error, loading } = useQuery(BackOfficeSalesReportDocument, {
    variables: { period: { from, to }, storeId, top: TOP },
  });
  const report = data?.salesReport;

  const show = (event: FormEvent) => {
    event.preventDefault();
    setParams({ from: draftFrom, to: draftTo });
  };
  const preset = (days: number | 'month') => {
    const start = days === 'month' ? `${today.slice(0, 8)}01` : addDays(today, -(days - 1));
    setParams({ from: start, to: today });
  };

  return (
    <section aria-labelledby="report-title">
      <div className="screen-head">
        <h1 id="report-title">Sales report</h1>
      </div>
      <form className="toolbar" onSubmit={show} aria-label="Period and store">
        <div className="field">
          <label htmlFor="report-from">From</label>
          <input
            id="report-from"
            type="date"
            value={draftFrom}
            max={draftTo}
            onChange={(e) => setDraftFrom(e.target.value)}
            aria-describedby="report-period-error"
            aria-invalid={saveErrors.of('input.period').length > 0 || undefined}
          />
        </div>
        <div className="field">
          <label htmlFor="report-to">To</label>
          <input
            id="report-to"
            type="date"
            value={draftTo}
            min={draftFrom}
            onChange={(e) => setDraftTo(e.target.value)}
            aria-describedby="report-period-error"
            aria-invalid={saveErrors.of('input.period').length > 0 || undefined}
          />
        </div>
        <div>
          <StorePicker
            id="report-store"
            value={storeId}
            allowChain
            onChange={(s) => setParams({ store: s })}
            describedBy="report-store-error"
            invalid={saveErrors.of('input.storeId').length > 0}
          />
          <FieldError errors={saveErrors} field="input.storeId" id="report-store-error" />
        </div>
        <button type="submit">Show</button>
        <div className="presets" role="group" aria-label="Quick periods">
          <button type="button" className="secondary" onClick={() => preset(7)}>
            Last 7 days
          </button>
          <button type="button" className="secondary" onClick={() => preset(30)}>
            Last 30 days
          </button>
          <button type="button" className="secondary" onClick={() => preset('month')}>
            This month
          </button>
        </div>
      </form>
      <FieldError errors={saveErrors} field="input.period" id="report-period-error" />
      {error ? <ProblemMessage error={error} /> : null}
      {loading && !report ? <Loading what="the sales report" /> : null}
      {report ? <ReportBody report={report} storeId={storeId} /> : null}
      {error ? null : (
        <SavedReports period={{ from, to }} storeId={storeId} errors={saveErrors} onErrors={setSaveErrors} />
      )}
    </section>
  );
}

function ReportBody({ report, storeId }: { report: Report; storeId: string | null }) {
  const { name } = useStores();
  const { locationOf } = useStoreLocations();
  const location = locationOf(storeId);
  const stockOf = (product: Report['topProducts'][number]['product']) =>
    location ? (product.stock.levels.find((l) => l.location.id === location)?.available ?? 0) : product.stock.available;

  const daily = useMemo(
    () => ({
      tooltip: {
        trigger: 'axis',
        valueFormatter: (v: number) => formatMoney({ amount: v, currency: report.revenue.currency }),
      },
      grid: { left: 64, right: 16, top: 16, bottom: 40 },
      xAxis: {
        type: 'category',
        data: report.daily.map((d) => d.date),
        axisLabel: { formatter: (d: string) => formatDay(d).replace(/, \d{4}$/, '') },
      },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => axisMoney.format(v) } },
      series: [
        {
          name: 'Revenue',
          type: 'line',
          // Named points: the chart's description (aria-label) reads "2026-12-01: 3589.37" for each day.
          data: report.daily.map((d) => ({ name: d.date, value: amountOf(d.revenue) })),
          showAllSymbol: true,
          symbolSize: 6,
          areaStyle: { opacity: 0.08 },
        },
      ],
    }),
    [report],
  );
  const byStore = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 64, right: 16, top: 16, bottom: 64 },
      xAxis: {
        type: 'category',
        data: report.byStore.map((s) => s.store.name),
        axisLabel: { interval: 0, rotate: 20 },
      },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => axisMoney.format(v) } },
      series: [
        {
          name: 'Revenue',
          type: 'bar',
          data: report.byStore.map((s) => ({ name: s.store.name, value: amountOf(s.revenue) })),
        },
      ],
    }),
    [report],
  );
  const byChannel = useMemo(
    () => ({
      tooltip: { trigger: 'item' },
      legend: { bottom: 0 },
      series: [
        {
          name: 'Revenue',
          type: 'pie',
          radius: ['40%', '70%'],
          label: { formatter: '{b}: {d}%' },
          data: report.byChannel.map((c) => ({ name: CHANNELS[c.channel], value: amountOf(c.revenue) })),
        },
      ],
    }),
    [report],
  );
  const byCategory = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 150, right: 24, top: 8, bottom: 24 },
      xAxis: { type: 'value', axisLabel: { formatter: (v: number) => axisMoney.format(v) } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: report.byCategory.map((c) => c.category?.name ?? 'Uncategorised'),
      },
      series: [
        {
          name: 'Revenue',
          type: 'bar',
          data: report.byCategory.map((c) => ({
            name: c.category?.name ?? 'Uncategorised',
            value: amountOf(c.revenue),
          })),
        },
      ],
    }),
    [report],
  );

  const top = useLocalPages(report.topProducts, TOP_PAGE);

  const csv = () => {
    const where = report.store?.name ?? (storeId ? name(storeId) : 'Whole chain');
    const money = (m: { amount: string; currency: string }): Cell[] => [m.amount, m.currency];
    const rows: Cell[][] = [
      ['Sales report', where, report.period.from, report.period.to],
      [],
      ['Revenue', 'Currency', 'Transactions', 'Units sold', 'Average basket', 'Returns'],
      [...money(report.revenue), report.transactions, report.unitsSold, report.averageBasket.amount, report.returns],
      [],
      ['Day', 'Revenue', 'Currency', 'Transactions', 'Units sold'],
      ...report.daily.map((d) => [d.date, ...money(d.revenue), d.transactions, d.unitsSold]),
      [],
      ['Store', 'City', 'Revenue', 'Currency', 'Transactions', 'Units sold', 'Returns'],
      ...report.byStore.map((s) => [
        s.store.name,
        s.store.city,
        ...money(s.revenue),
        s.transactions,
        s.unitsSold,
        s.returns,
      ]),
      [],
      ['Channel', 'Revenue', 'Currency', 'Transactions', 'Units sold'],
      ...report.byChannel.map((c) => [CHANNELS[c.channel], ...money(c.revenue), c.transactions, c.unitsSold]),
      [],
      ['Category', 'Revenue', 'Currency', 'Units sold'],
      ...report.byCategory.map((c) => [c.category?.name ?? 'Uncategorised', ...money(c.revenue), c.unitsSold]),
      [],
      [
        'Product',
        'SKU',
        'Category',
        'Units sold',
        'Revenue',
        'Currency',
        location ? 'Stock at the store' : 'Stock, all locations',
      ],
      ...report.topProducts.map((p) => [
        p.product.name,
        p.product.sku,
        p.product.category?.name,
        p.unitsSold,
        ...money(p.revenue),
        stockOf(p.product),
      ]),
    ];
    downloadCsv(
      `sales-report_${report.period.from}_${report.period.to}_${report.store?.id ?? storeId ?? 'chain'}.csv`,
      rows,
    );
  };

  return (
    <>
      <div className="report-head">
        <p className="subtitle">
          {report.store?.name ?? name(storeId)} · {formatDay(report.period.from)} to {formatDay(report.period.to)} (
          {formatCount(daysBetween(report.period.from, report.period.to))} days)
        </p>
        <button type="button" className="secondary" onClick={csv}>
          Download CSV
        </button>
      </div>
      <div className="figures">
        <Figure id="report-revenue" label="Revenue" value={formatMoney(report.revenue)} note="Net of returns" />
        <Figure id="report-transactions" label="Transactions" value={formatCount(report.transactions)} />
        <Figure id="report-units" label="Units sold" value={formatCount(report.unitsSold)} />
        <Figure id="report-basket" label="Average basket" value={formatMoney(report.averageBasket)} />
        <Figure id="report-returns" label="Returns" value={formatCount(report.returns)} />
      </div>
      <div className="charts">
        <Chart title="Daily revenue" option={daily} categoryDimension={0} />
        {storeId === null && report.byStore.length > 0 ? (
          <Chart title="Revenue by store" option={byStore} categoryDimension={0} />
        ) : null}
        {report.byChannel.length > 0 ? <Chart title="Revenue by channel" option={byChannel} /> : null}
        {report.byCategory.length > 0 ? (
          <Chart
            title="Revenue by category"
            option={byCategory}
            categoryDimension={1}
            height={Math.max(200, report.byCategory.length * 24 + 40)}
          />
        ) : null}
      </div>
      <h2 id="top-products">Top products</h2>
      {report.topProducts.length === 0 ? (
        <Empty>No product sold in this period.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table aria-labelledby="top-products">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Product</th>
                  <th scope="col">Category</th>
                  <th scope="col" className="num">
                    Units sold
                  </th>
                  <th scope="col" className="num">
                    Revenue
                  </th>
                  <th scope="col" className="num">
                    {location ? 'Stock at the store' : 'Stock, all locations'}
                  </th>
                </tr>
              </thead>
              <tbody>
                {top.items.map((p) => (
                  <tr key={p.product.id}>
                    <td>{report.topProducts.indexOf(p) + 1}</td>
                    <th scope="row">
                      {p.product.name} <span className="sku">{p.product.sku}</span>
                    </th>
                    <td>{p.product.category?.name ?? '–'}</td>
                    <td className="num">{formatCount(p.unitsSold)}</td>
                    <td className="num">{formatMoney(p.revenue)}</td>
                    <td className="num">{formatCount(stockOf(p.product))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager label="Top products pages" {...top.pager} />
        </>
      )}
    </>
  );
}

const PERIOD_FIELDS = ['input.period', 'input.storeId'];

function SavedReports({
  period,
  storeId,
  errors,
  onErrors,
}: {
  period: { from: string; to: string };
  storeId: string | null;
  errors: FieldErrors;
  onErrors: (errors: FieldErrors) => void;
}) {
  const pages = useCursorPages();
  const { data, error, startPolling, stopPolling } = useQuery(ReportsDocument, {
    variables: { first: SAVED_PAGE, after: pages.after },
    fetchPolicy: 'cache-and-network',
  });
  const [generate, { loading: saving }] = useMutation(GenerateReportDocument);
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const pending = data?.reports.edges.some((e) => e.node.status === 'PENDING') ?? false;
  useEffect(() => {
    // A snapshot is made by a background job: watch the list until none is left being prepared.
    if (pending) startPolling(2000);
    else stopPolling();
    return () => stopPolling();
  }, [pending, startPolling, stopPolling]);

  const save = async () => {
    setFailure(null);
    setSaved(null);
    try {
      const { data: answer } = await generate({
        variables: { input: { type: 'SALES', period, storeId } },
        refetchQueries: [ReportsDocument],
      });
      const payload = answer?.generateReport;
      if (!payload) return;
      onErrors(new FieldErrors('reports', payload.errors));
      if (payload.report) {
        pages.reset();
        setSaved(`Snapshot requested for ${formatDay(period.from)} to ${formatDay(period.to)}.`);
      }
    } catch (err) {
      setFailure(err);
    }
  };

  const reports = data?.reports;
  return (
    <section aria-labelledby="saved-title" className="saved">
      <div className="screen-head">
        <h2 id="saved-title">Saved reports</h2>
        <button type="button" onClick={save} disabled={saving}>
          {saving ? 'Saving…' : 'Save a snapshot of this report'}
        </button>
      </div>
      {saved ? (
        <p className="notice" role="status">
          {saved}
        </p>
      ) : null}
      <FormErrors errors={errors} shown={PERIOD_FIELDS} />
      {failure ? <ProblemMessage error={failure} /> : null}
      {error ? <ProblemMessage error={error} /> : null}
      {reports && reports.totalCount === 0 ? <Empty>No saved report yet.</Empty> : null}
      {reports && reports.totalCount > 0 ? (
        <>
          <div className="table-wrap">
            <table aria-labelledby="saved-title">
              <thead>
                <HeadRow columns={['Requested', 'Report', 'Period', 'Store', 'Status']} />
              </thead>
              <tbody>
                {reports.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>{formatDateTime(node.requestedAt)}</td>
                    <td>{node.type === 'SALES' ? 'Sales' : 'Store performance'}</td>
                    <td>
                      {formatDay(node.period.from)} – {formatDay(node.period.to)}
                    </td>
                    <td>{node.store?.name ?? 'Whole chain'}</td>
                    <td>
                      <span className={`status status-${node.status.toLowerCase()}`}>{STATUS[node.status]}</span>
                      {node.status === 'READY' && node.generatedAt ? (
                        <span className="status-note"> {formatDateTime(node.generatedAt)}</span>
                      ) : null}
                      {node.failureReason ? <span className="status-note"> {node.failureReason}</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ConnectionPager label="Saved reports pages" pages={pages} pageSize={SAVED_PAGE} connection={reports} />
        </>
      ) : null}
    </section>
  );
}
