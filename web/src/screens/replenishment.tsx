/**
 * Replenishment from the central warehouse: a store's staff ask for what runs low (with the
 * quantities inventory suggests); head office approves, all of it or less per product, or rejects
 * with a reason. Approval moves the stock at once (ADR 0017).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import {
  ApproveReplenishmentDocument,
  LowStockSuggestionsDocument,
  RejectReplenishmentDocument,
  ReplenishmentRequestsDocument,
  RequestReplenishmentDocument,
  type ReplenishmentRequestsQuery,
  type ReplenishmentStatus,
} from '../../../schema/operations/generated';
import { Pager, useCursorPages, useLocalPages, ConnectionPager } from '../components/pager';
import { StorePicker } from '../components/store-picker';
import { Empty, Loading, HeadRow } from '../components/ui';
import { FieldError, FieldErrors, FormErrors, ProblemMessage, TextField } from '../errors';
import { formatCount, formatDateTime } from '../format';
import { setParams, useLocation } from '../router';
import { useStaff } from '../session';
import { useStoreLocations, useStores } from '../stores';

const PAGE = 10;
const STATUS: Record<ReplenishmentStatus, string> = { PENDING: 'Pending', APPROVED: 'Approved', REJECTED: 'Rejected' };
const STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const;

function isStatus(value: string | null): value is ReplenishmentStatus {
  return (STATUSES as readonly string[]).includes(value ?? '');
}

export function Replenishment() {
  const staff = useStaff();
  const { params } = useLocation();
  const status = isStatus(params.get('status')) ? (params.get('status') as ReplenishmentStatus) : null;
  // Head office may look at one store's requests; store staff see their own store's.
  const storeId = staff.role === 'ADMIN' ? params.get('store') : null;
  return (
    <section aria-labelledby="replenishment-title">
      <div className="screen-head">
        <h1 id="replenishment-title">Replenishment</h1>
      </div>
      {staff.role !== 'ADMIN' && staff.store ? <Suggestions storeId={staff.store.id} /> : null}
      <Requests status={status} storeId={storeId} />
    </section>
  );
}

interface Choice {
  selected: boolean;
  quantity: string;
}

function Suggestions({ storeId }: { storeId: string }) {
  const { locationOf, ready } = useStoreLocations();
  const locationId = locationOf(storeId);
  const { data, error, loading } = useQuery(LowStockSuggestionsDocument, {
    variables: { locationId: locationId ?? '', first: 100 },
    skip: !locationId,
    fetchPolicy: 'cache-and-network',
  });
  const levels = data?.lowStock ?? [];
  const page = useLocalPages(levels, PAGE);
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState(FieldErrors.none('inventory'));
  const [sentLines, setSentLines] = useState<string[]>([]);
  const [failure, setFailure] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [request, { loading: sending }] = useMutation(RequestReplenishmentDocument);

  const choiceOf = (productId: string, suggested: number | null | undefined): Choice =>
    choices[productId] ?? { selected: false, quantity: String(suggested ?? 1) };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setDone(null);
    const lines = levels
      .filter((l) => choiceOf(l.product.id, l.suggestedQuantity).selected)
      .map((l) => ({
        productId: l.product.id,
        quantity: Number(choiceOf(l.product.id, l.suggestedQuantity).quantity),
      }));
    setSentLines(lines.map((l) => l.productId));
    try {
      const { data: answer } = await request({
        variables: { input: { lines, note: note.trim() || null } },
        refetchQueries: [ReplenishmentRequestsDocument],
      });
      const payload = answer?.requestReplenishment;
      if (!payload) return;
      setErrors(new FieldErrors('inventory', payload.errors));
      if (payload.request) {
        setChoices({});
        setNote('');
        setDone(
          `Request sent: ${formatCount(payload.request.lines.length)} product${payload.request.lines.length === 1 ? '' : 's'}.`,
        );
      }
    } catch (err) {
      setFailure(err);
    }
  };

  // A line's errors are named by its place in the request sent: input.lines.<index>.quantity.
  const lineField = (productId: string) => {
    const index = sentLines.indexOf(productId);
    return index < 0 ? '' : `input.lines.${index}.quantity`;
  };
  const shown = [...sentLines.map((_p, i) => `input.lines.${i}.quantity`), 'input.note'];

  return (
    <section aria-labelledby="suggestions-title" className="panel">
      <h2 id="suggestions-title">Running low at your store</h2>
      {error ? <ProblemMessage error={error} /> : null}
      {(!data && loading) || !ready ? <Loading what="the low levels" /> : null}
      {data && levels.length === 0 ? <Empty>Nothing is at or below its reorder point.</Empty> : null}
      {levels.length > 0 ? (
        <form onSubmit={submit} aria-labelledby="suggestions-title">
          <div className="table-wrap">
            <table>
              <thead>
                <HeadRow
                  columns={['Ask', 'Product', { num: 'Available' }, { num: 'Reorder point' }, { num: 'Quantity' }]}
                />
              </thead>
              <tbody>
                {page.items.map((l) => {
                  const choice = choiceOf(l.product.id, l.suggestedQuantity);
                  const field = lineField(l.product.id);
                  const set = (change: Partial<Choice>) =>
                    setChoices((c) => ({ ...c, [l.product.id]: { ...choice, ...change } }));
                  return (
                    <tr key={l.product.id}>
                      <td>
                        <input
                          type="checkbox"
                          checked={choice.selected}
                          onChange={(e) => set({ selected: e.target.checked })}
                          aria-label={`Ask for ${l.product.name}`}
                        />
                      </td>
                      <th scope="row">
                        {l.product.name} <span className="sku">{l.product.sku}</span>
                      </th>
                      <td className="num">{formatCount(l.available)}</td>
                      <td className="num">{formatCount(l.reorderPoint)}</td>
                      <td className="num">
                        <input
                          className="qty"
                          type="number"
                          min={1}
                          inputMode="numeric"
                          value={choice.quantity}
                          onChange={(e) => set({ quantity: e.target.value, selected: true })}
                          aria-label={`Quantity of ${l.product.name} (suggested ${l.suggestedQuantity ?? '–'})`}
                          aria-describedby={`ask-${l.product.id}-error`}
                        />
                        {field ? <FieldError errors={errors} field={field} id={`ask-${l.product.id}-error`} /> : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager label="Low level pages" {...page.pager} />
          <TextField
            id="ask-note"
            label="Note for head office (optional)"
            value={note}
            onChange={setNote}
            errors={errors}
            field="input.note"
          />
          <FormErrors errors={errors} shown={shown} />
          {failure ? <ProblemMessage error={failure} /> : null}
          {done ? (
            <p className="notice" role="status">
              {done}
            </p>
          ) : null}
          <button type="submit" disabled={sending}>
            {sending ? 'Sending…' : 'Request replenishment'}
          </button>
        </form>
      ) : null}
    </section>
  );
}

type Request = ReplenishmentRequestsQuery['replenishmentRequests']['edges'][number]['node'];

function Requests({ status, storeId }: { status: ReplenishmentStatus | null; storeId: string | null }) {
  const staff = useStaff();
  const { name } = useStores();
  const pages = useCursorPages();
  const { reset } = pages;
  useEffect(() => reset(), [status, storeId, reset]);
  const { data, error, loading } = useQuery(ReplenishmentRequestsDocument, {
    variables: { status, storeId, first: PAGE, after: pages.after },
    fetchPolicy: 'cache-and-network',
  });
  const list = data?.replenishmentRequests;
  return (
    <section aria-labelledby="requests-title">
      <div className="screen-head">
        <h2 id="requests-title">Requests</h2>
        <div className="toolbar">
          <div className="field">
            <label htmlFor="requests-status">Status</label>
            <select
              id="requests-status"
              value={status ?? ''}
              onChange={(e) => setParams({ status: e.target.value || null })}
            >
              <option value="">All</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS[s]}
                </option>
              ))}
            </select>
          </div>
          {staff.role === 'ADMIN' ? (
            <StorePicker id="requests-store" value={storeId} allowChain onChange={(s) => setParams({ store: s })} />
          ) : null}
        </div>
      </div>
      {error ? <ProblemMessage error={error} /> : null}
      {!list && loading ? <Loading what="the requests" /> : null}
      {list && list.totalCount === 0 ? <Empty>No request.</Empty> : null}
      {list && list.totalCount > 0 ? (
        <>
          <ul className="requests">
            {list.edges.map(({ node }) => (
              <li key={node.id} className="request" aria-labelledby={`request-${node.id}`}>
                <h3 id={`request-${node.id}`}>
                  {name(node.store.id)} · {formatDateTime(node.createdAt)}{' '}
                  <span className={`status status-${node.status.toLowerCase()}`}>{STATUS[node.status]}</span>
                </h3>
                <p className="status-note">
                  Asked by {node.requestedBy}
                  {node.note ? ` · “${node.note}”` : ''}
                  {node.decidedBy ? ` · decided by ${node.decidedBy}, ${formatDateTime(node.decidedAt)}` : ''}
                  {node.rejectionReason ? ` · reason: ${node.rejectionReason}` : ''}
                </p>
                {staff.role === 'ADMIN' && node.status === 'PENDING' ? (
                  <Decision request={node} />
                ) : (
                  <RequestLines request={node} />
                )}
              </li>
            ))}
          </ul>
          <ConnectionPager label="Request pages" pages={pages} pageSize={PAGE} connection={list} />
        </>
      ) : null}
    </section>
  );
}

function RequestLines({ request }: { request: Request }) {
  return (
    <table className="compact">
      <thead>
        <HeadRow columns={['Product', { num: 'Asked' }, { num: 'Approved' }]} />
      </thead>
      <tbody>
        {request.lines.map((l) => (
          <tr key={l.product.id}>
            <th scope="row">
              {l.product.name} <span className="sku">{l.product.sku}</span>
            </th>
            <td className="num">{formatCount(l.quantity)}</td>
            <td className="num">{l.approvedQuantity === null ? '–' : formatCount(l.approvedQuantity)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Head office's decision on a pending request: approve (less per line if need be) or reject with a reason. */
function Decision({ request }: { request: Request }) {
  const [quantities, setQuantities] = useState(() => request.lines.map((l) => String(l.quantity)));
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState(FieldErrors.none('inventory'));
  const [failure, setFailure] = useState<unknown>(null);
  const [approve, { loading: approving }] = useMutation(ApproveReplenishmentDocument);
  const [reject, { loading: rejecting }] = useMutation(RejectReplenishmentDocument);
  const busy = approving || rejecting;
  const refetch = { refetchQueries: [ReplenishmentRequestsDocument] };

  const onApprove = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    try {
      const { data } = await approve({
        variables: {
          input: {
            requestId: request.id,
            lines: request.lines.map((l, i) => ({ productId: l.product.id, quantity: Number(quantities[i]) })),
            note: note.trim() || null,
          },
        },
        ...refetch,
      });
      if (data) setErrors(new FieldErrors('inventory', data.approveReplenishment.errors));
    } catch (err) {
      setFailure(err);
    }
  };
  const onReject = async () => {
    setFailure(null);
    try {
      const { data } = await reject({ variables: { input: { requestId: request.id, reason } }, ...refetch });
      if (data) setErrors(new FieldErrors('inventory', data.rejectReplenishment.errors));
    } catch (err) {
      setFailure(err);
    }
  };

  const shown = [...request.lines.map((_l, i) => `input.lines.${i}.quantity`), 'input.note', 'input.reason'];
  return (
    <form
      onSubmit={onApprove}
      className="decision"
      aria-label={`Decide the request of ${formatDateTime(request.createdAt)}`}
    >
      <table className="compact">
        <thead>
          <HeadRow columns={['Product', { num: 'Asked' }, { num: 'Approve' }]} />
        </thead>
        <tbody>
          {request.lines.map((l, i) => (
            <tr key={l.product.id}>
              <th scope="row">
                {l.product.name} <span className="sku">{l.product.sku}</span>
              </th>
              <td className="num">{formatCount(l.quantity)}</td>
              <td className="num">
                <input
                  className="qty"
                  type="number"
                  min={0}
                  max={l.quantity}
                  inputMode="numeric"
                  value={quantities[i]}
                  onChange={(e) => setQuantities((q) => q.map((v, j) => (j === i ? e.target.value : v)))}
                  aria-label={`Approve how many of ${l.product.name} (asked ${l.quantity})`}
                  aria-describedby={`approve-${request.id}-${i}-error`}
                />
                <FieldError
                  errors={errors}
                  field={`input.lines.${i}.quantity`}
                  id={`approve-${request.id}-${i}-error`}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="decision-fields">
        <div className="field">
          <label htmlFor={`approve-${request.id}-note`}>Note for the store</label>
          <input id={`approve-${request.id}-note`} value={note} onChange={(e) => setNote(e.target.value)} />
          <FieldError errors={errors} field="input.note" id={`approve-${request.id}-note-error`} />
        </div>
        <button type="submit" disabled={busy}>
          {approving ? 'Approving…' : 'Approve'}
        </button>
        <div className="field">
          <label htmlFor={`reject-${request.id}-reason`}>Reason to reject</label>
          <input
            id={`reject-${request.id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-describedby={`reject-${request.id}-reason-error`}
          />
          <FieldError errors={errors} field="input.reason" id={`reject-${request.id}-reason-error`} />
        </div>
        <button type="button" className="danger" onClick={onReject} disabled={busy}>
          {rejecting ? 'Rejecting…' : 'Reject'}
        </button>
      </div>
      <FormErrors errors={errors} shown={shown} />
      {failure ? <ProblemMessage error={failure} /> : null}
    </form>
  );
}
