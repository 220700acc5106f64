/**
 * The till, for a store's clerks and managers: open a register, find products by SKU or name, build a
 * basket, take card or cash (one idempotency key per basket, so a double click or a retry sells
 * once), take a return from a receipt number, close the register with its figures, and the register's
 * past sessions.
 */
import { useRef, useState, type FormEvent } from 'react';
import { useApolloClient, useLazyQuery, useMutation, useQuery } from '@apollo/client/react';
import {
  BackOfficeFindProductsDocument,
  CloseRegisterDocument,
  CurrentEmployeeDocument,
  OpenRegisterDocument,
  RecordSaleDocument,
  RegisterSessionsDocument,
  ReturnSaleDocument,
  SaleByNumberDocument,
  type BackOfficeFindProductsQuery,
  type CloseRegisterMutation,
  type PaymentMethod,
  type RecordSaleMutation,
  type ReturnSaleMutation,
  type SaleByNumberQuery,
} from '../../../schema/operations/generated';
import { Pager, useCursorPages, useLocalPages, ConnectionPager } from '../components/pager';
import { Empty, Loading, HeadRow } from '../components/ui';
import { FieldError, FieldErrors, FormErrors, ProblemMessage, TextField } from '../errors';
import { formatCount, formatDateTime, formatMoney, formatShortDateTime, fromMinor, toMinor } from '../format';
import { newKey } from '../ids';
import { setParams, useLocation } from '../router';
import { useStoreLocations } from '../stores';

const PAYMENT: Record<PaymentMethod, string> = { CARD: 'Card', CASH: 'Cash' };

type Tab = 'sale' | 'return' | 'close';

export function Till() {
  const { params } = useLocation();
  const { data, error, loading } = useQuery(CurrentEmployeeDocument, { fetchPolicy: 'cache-and-network' });
  const store = data?.currentEmployee?.store;
  if (error) return <ProblemMessage error={error} />;
  if (!data && loading) return <Loading what="your store's registers" />;
  if (!store) {
    return (
      <section aria-labelledby="till-title">
        <h1 id="till-title">Till</h1>
        <Empty>The till is for store staff: your account belongs to no store.</Empty>
      </section>
    );
  }
  const active = store.registers.filter((r) => r.active);
  const chosen =
    active.find((r) => r.id === params.get('register')) ?? active.find((r) => r.currentSession) ?? active[0] ?? null;
  const tab: Tab =
    params.get('tab') === 'return' || params.get('tab') === 'close' ? (params.get('tab') as Tab) : 'sale';

  return (
    <section aria-labelledby="till-title">
      <div className="screen-head">
        <h1 id="till-title">Till · {store.name}</h1>
        <div className="field">
          <label htmlFor="till-register">Register</label>
          <select id="till-register" value={chosen?.id ?? ''} onChange={(e) => setParams({ register: e.target.value })}>
            {active.map((r) => (
              <option key={r.id} value={r.id}>
                Register {r.number} {r.currentSession ? '(open)' : '(closed)'}
              </option>
            ))}
          </select>
        </div>
      </div>
      {!chosen ? <Empty>This store has no register in service.</Empty> : null}
      {chosen && !chosen.currentSession ? <OpenRegister registerId={chosen.id} number={chosen.number} /> : null}
      {chosen && chosen.currentSession ? (
        <>
          <p className="subtitle">
            Register {chosen.number} open since {formatDateTime(chosen.currentSession.openedAt)}, float{' '}
            {formatMoney(chosen.currentSession.openingFloat)}
          </p>
          <nav className="tabs" aria-label="Till tasks">
            {(
              [
                ['sale', 'Sale'],
                ['return', 'Return'],
                ['close', 'Close register'],
              ] as const
            ).map(([id, label]) => (
              <button
                key={id}
                type="button"
                className={tab === id ? 'tab current' : 'tab'}
                aria-pressed={tab === id}
                onClick={() => setParams({ tab: id === 'sale' ? null : id })}
              >
                {label}
              </button>
            ))}
          </nav>
          {tab === 'sale' ? <SalePanel storeId={store.id} registerId={chosen.id} /> : null}
          {tab === 'return' ? <ReturnPanel registerId={chosen.id} /> : null}
          {tab === 'close' ? <ClosePanel registerId={chosen.id} /> : null}
        </>
      ) : null}
      {chosen ? <PastSessions registerId={chosen.id} /> : null}
    </section>
  );
}

function OpenRegister({ registerId, number }: { registerId: string; number: number }) {
  const [float, setFloat] = useState('200.00');
  const [errors, setErrors] = useState(FieldErrors.none('retail'));
  const [failure, setFailure] = useState<unknown>(null);
  const [open, { loading }] = useMutation(OpenRegisterDocument);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    try {
      const { data } = await open({
        variables: { input: { registerId, openingFloat: float.trim() } },
        refetchQueries: [CurrentEmployeeDocument, RegisterSessionsDocument],
        awaitRefetchQueries: true,
      });
      if (data) setErrors(new FieldErrors('retail', data.openRegister.errors));
    } catch (err) {
      setFailure(err);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="open-title">
      <h2 id="open-title">Open register {number}</h2>
      <div className="field">
        <label htmlFor="opening-float">Cash in the drawer (opening float)</label>
        <input
          id="opening-float"
          inputMode="decimal"
          value={float}
          onChange={(e) => setFloat(e.target.value)}
          aria-invalid={errors.of('input.openingFloat').length > 0 || undefined}
          aria-describedby="opening-float-error"
        />
        <FieldError errors={errors} field="input.openingFloat" id="opening-float-error" />
      </div>
      <FormErrors errors={errors} shown={['input.openingFloat']} />
      {failure ? <ProblemMessage error={failure} /> : null}
      <button type="submit" disabled={loading}>
        {loading ? 'Opening…' : 'Open register'}
      </button>
    </form>
  );
}

type Found = BackOfficeFindProductsQuery['searchProducts'][number];

interface BasketLine {
  productId: string;
  sku: string;
  name: string;
  unitPrice: { amount: string; currency: string };
  quantity: string;
}

interface Basket {
  key: string;
  lines: BasketLine[];
  /** The API answered for this key: a changed basket needs a new one (else IDEMPOTENCY_KEY_REUSED). */
  answered: boolean;
}

const emptyBasket = (): Basket => ({ key: newKey('basket'), lines: [], answered: false });

function SalePanel({ storeId, registerId }: { storeId: string; registerId: string }) {
  const { locationOf } = useStoreLocations();
  const location = locationOf(storeId);
  const [text, setText] = useState('');
  const [find, found] = useLazyQuery(BackOfficeFindProductsDocument, { fetchPolicy: 'network-only' });
  const hits = found.data?.searchProducts ?? [];
  const page = useLocalPages(hits, 5);
  const [basket, setBasket] = useState<Basket>(emptyBasket);
  const [errors, setErrors] = useState(FieldErrors.none('retail'));
  const [failure, setFailure] = useState<unknown>(null);
  const [receipt, setReceipt] = useState<NonNullable<RecordSaleMutation['recordSale']['sale']> | null>(null);
  const [record, { loading: paying }] = useMutation(RecordSaleDocument);
  // A second click lands before React re-renders the disabled button: the ref refuses it at once.
  const inFlight = useRef(false);
  const search = useRef<HTMLInputElement>(null);

  const change = (update: (lines: BasketLine[]) => BasketLine[]) => {
    setReceipt(null);
    setBasket((b) => (b.answered ? { ...emptyBasket(), lines: update(b.lines) } : { ...b, lines: update(b.lines) }));
  };
  const add = (p: Found) => {
    change((lines) =>
      lines.some((l) => l.productId === p.id)
        ? lines.map((l) => (l.productId === p.id ? { ...l, quantity: String(Number(l.quantity) + 1) } : l))
        : [...lines, { productId: p.id, sku: p.sku, name: p.name, unitPrice: p.price, quantity: '1' }],
    );
    setText('');
    search.current?.focus();
  };
  const lookUp = async (event: FormEvent) => {
    event.preventDefault();
    const wanted = text.trim();
    if (!wanted) return;
    page.reset();
    const { data } = await find({ variables: { text: wanted } });
    // A scanned (or typed) SKU that names one product goes straight into the basket.
    const exact = data?.searchProducts.filter((p) => p.sku.toLowerCase() === wanted.toLowerCase()) ?? [];
    if (exact.length === 1 && exact[0]) add(exact[0]);
  };

  const totalCents = basket.lines.reduce((sum, l) => sum + toMinor(l.unitPrice.amount) * (Number(l.quantity) || 0), 0);
  const currency = basket.lines[0]?.unitPrice.currency ?? 'CAD';

  const pay = async (method: PaymentMethod) => {
    if (inFlight.current || basket.lines.length === 0) return;
    inFlight.current = true;
    setFailure(null);
    try {
      const { data } = await record({
        variables: {
          input: {
            storeId,
            registerId,
            paymentMethod: method,
            idempotencyKey: basket.key,
            lines: basket.lines.map((l) => ({ productId: l.productId, quantity: Number(l.quantity) })),
          },
        },
        refetchQueries: [RegisterSessionsDocument],
      });
      const payload = data?.recordSale;
      if (!payload) return;
      setErrors(new FieldErrors('retail', payload.errors));
      if (payload.sale?.status === 'COMPLETED') {
        setReceipt(payload.sale);
        setBasket(emptyBasket());
      } else {
        setBasket((b) => ({ ...b, answered: true }));
      }
    } catch (err) {
      // No answer: the same key goes with the next attempt, so the sale is recorded at most once.
      setFailure(err);
    } finally {
      inFlight.current = false;
    }
  };

  const lineFields = basket.lines.map((_l, i) => `input.lines.${i}`);
  return (
    <div className="till-grid">
      <section aria-labelledby="find-title" className="panel">
        <h2 id="find-title">Find a product</h2>
        <form onSubmit={lookUp} role="search" aria-label="Find a product" className="toolbar">
          <div className="field grow">
            <label htmlFor="find-text">SKU or name</label>
            <input
              id="find-text"
              ref={search}
              type="search"
              value={text}
              onChange={(e) => setText(e.target.value)}
              autoFocus
            />
          </div>
          <button type="submit">Find</button>
        </form>
        {found.error ? <ProblemMessage error={found.error} /> : null}
        {found.loading ? <Loading what="products" /> : null}
        {found.called && !found.loading && found.data && hits.length === 0 ? <Empty>No product found.</Empty> : null}
        {hits.length > 0 ? (
          <>
            <ul className="hits">
              {page.items.map((p) => {
                const available = p.stock.levels.find((l) => l.location.id === location)?.available;
                return (
                  <li key={p.id}>
                    <span>
                      <strong>{p.name}</strong> <span className="sku">{p.sku}</span>
                      <br />
                      {formatMoney(p.price)} ·{' '}
                      {available === undefined ? 'not stocked here' : `${formatCount(available)} in store`}
                    </span>
                    <button type="button" onClick={() => add(p)} aria-label={`Add ${p.name} to the basket`}>
                      Add
                    </button>
                  </li>
                );
              })}
            </ul>
            <Pager label="Product pages" {...page.pager} />
          </>
        ) : null}
      </section>
      <section aria-labelledby="basket-title" className="panel">
        <h2 id="basket-title">Basket</h2>
        {receipt ? (
          <div className="notice receipt" role="status">
            <p>
              Sale <strong data-receipt={receipt.number}>{receipt.number}</strong> recorded:{' '}
              {formatMoney(receipt.total)}.
            </p>
          </div>
        ) : null}
        {basket.lines.length === 0 ? (
          <Empty>The basket is empty: find a product and add it.</Empty>
        ) : (
          <table className="basket">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col" className="num">
                  Qty
                </th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {basket.lines.map((l, i) => (
                <tr key={l.productId}>
                  <th scope="row">
                    {l.name} <span className="sku">{l.sku}</span>
                    <FieldError errors={errors} field={`input.lines.${i}`} id={`basket-${i}-error`} />
                  </th>
                  <td className="num">{formatMoney(l.unitPrice)}</td>
                  <td className="num">
                    <input
                      className="qty"
                      type="number"
                      min={1}
                      max={999}
                      inputMode="numeric"
                      value={l.quantity}
                      onChange={(e) =>
                        change((lines) => lines.map((x, j) => (j === i ? { ...x, quantity: e.target.value } : x)))
                      }
                      aria-label={`Quantity of ${l.name}`}
                      aria-describedby={`basket-${i}-error`}
                    />
                  </td>
                  <td className="num">
                    {formatMoney({
                      amount: fromMinor(toMinor(l.unitPrice.amount) * (Number(l.quantity) || 0)),
                      currency,
                    })}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => change((lines) => lines.filter((_x, j) => j !== i))}
                      aria-label={`Remove ${l.name}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={3}>
                  Total
                </th>
                <td className="num total" data-testid="basket-total">
                  {formatMoney({ amount: fromMinor(totalCents), currency })}
                </td>
                <td />
              </tr>
            </tfoot>
          </table>
        )}
        <FormErrors errors={errors} shown={lineFields} />
        {failure ? (
          <ProblemMessage error={failure}>
            <p>The sale was not confirmed. Pay again: it is recorded once, whatever happened.</p>
          </ProblemMessage>
        ) : null}
        <div className="pay">
          <button type="button" onClick={() => void pay('CARD')} disabled={paying || basket.lines.length === 0}>
            Card payment
          </button>
          <button type="button" onClick={() => void pay('CASH')} disabled={paying || basket.lines.length === 0}>
            Cash payment
          </button>
          {basket.lines.length > 0 ? (
            <button type="button" className="secondary" onClick={() => setBasket(emptyBasket())} disabled={paying}>
              New basket
            </button>
          ) : null}
        </div>
      </section>
    </div>
  );
}

type SaleFound = NonNullable<SaleByNumberQuery['saleByNumber']>;

function ReturnPanel({ registerId }: { registerId: string }) {
  const [number, setNumber] = useState('');
  const [load, loaded] = useLazyQuery(SaleByNumberDocument, { fetchPolicy: 'network-only' });
  const sale = loaded.data?.saleByNumber ?? null;
  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    if (number.trim()) void load({ variables: { number: number.trim().toUpperCase() } });
  };
  return (
    <section aria-labelledby="return-title" className="panel">
      <h2 id="return-title">Take a return</h2>
      <form onSubmit={lookUp} className="toolbar" aria-label="Find the receipt">
        <div className="field">
          <label htmlFor="receipt-number">Receipt number</label>
          <input
            id="receipt-number"
            value={number}
            onChange={(e) => setNumber(e.target.value)}
            placeholder="S1-000042"
            autoComplete="off"
          />
        </div>
        <button type="submit">Find the sale</button>
      </form>
      {loaded.error ? <ProblemMessage error={loaded.error} /> : null}
      {loaded.loading ? <Loading what="the sale" /> : null}
      {loaded.called && !loaded.loading && loaded.data && !sale ? (
        <Empty>No sale has this receipt number.</Empty>
      ) : null}
      {sale ? (
        <ReturnForm key={sale.id} sale={sale} registerId={registerId} onDone={() => void loaded.refetch()} />
      ) : null}
    </section>
  );
}

function ReturnForm({ sale, registerId, onDone }: { sale: SaleFound; registerId: string; onDone: () => void }) {
  const [quantities, setQuantities] = useState(() => sale.lines.map(() => '0'));
  const [method, setMethod] = useState<PaymentMethod>(sale.paymentMethod);
  const [reason, setReason] = useState('');
  const [key, setKey] = useState(() => newKey('return'));
  const [sent, setSent] = useState<number[]>([]);
  const [errors, setErrors] = useState(FieldErrors.none('retail'));
  const [failure, setFailure] = useState<unknown>(null);
  const [result, setResult] = useState<NonNullable<ReturnSaleMutation['returnSale']['return']> | null>(null);
  const [take, { loading }] = useMutation(ReturnSaleDocument);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const picked = sale.lines.map((l, i) => ({ index: i, saleLineId: l.id, quantity: Number(quantities[i]) || 0 }));
    const lines = picked.filter((l) => l.quantity > 0);
    setSent(lines.map((l) => l.index));
    try {
      const { data } = await take({
        variables: {
          input: {
            saleId: sale.id,
            registerId,
            refundMethod: method,
            reason: reason.trim() || null,
            idempotencyKey: key,
            lines: lines.map(({ saleLineId, quantity }) => ({ saleLineId, quantity })),
          },
        },
        refetchQueries: [RegisterSessionsDocument],
      });
      const payload = data?.returnSale;
      if (!payload) return;
      setErrors(new FieldErrors('retail', payload.errors));
      // Answered: another return of this sale is another key.
      setKey(newKey('return'));
      if (payload.return) {
        setResult(payload.return);
        setQuantities(sale.lines.map(() => '0'));
        onDone();
      }
    } catch (err) {
      setFailure(err);
    }
  };

  // A line's errors are named by its place among the lines sent.
  const fieldOf = (index: number) => {
    const at = sent.indexOf(index);
    return at < 0 ? null : `input.lines.${at}`;
  };
  return (
    <form onSubmit={submit} aria-label={`Return from sale ${sale.number}`}>
      <p className="subtitle">
        Sale {sale.number} · {sale.store.name}, register {sale.register.number} · {formatDateTime(sale.soldAt)} ·{' '}
        {formatMoney(sale.total)} by {PAYMENT[sale.paymentMethod].toLowerCase()}
        {sale.status !== 'COMPLETED' ? ` · ${sale.status.toLowerCase()}` : ''}
      </p>
      <table>
        <thead>
          <HeadRow
            columns={['Product', { num: 'Sold' }, { num: 'Returned' }, { num: 'Price' }, { num: 'Return now' }]}
          />
        </thead>
        <tbody>
          {sale.lines.map((l, i) => {
            const field = fieldOf(i);
            return (
              <tr key={l.id}>
                <th scope="row">
                  {l.product.name} <span className="sku">{l.product.sku}</span>
                  {field ? <FieldError errors={errors} field={field} id={`return-${i}-error`} /> : null}
                </th>
                <td className="num">{formatCount(l.quantity)}</td>
                <td className="num">{formatCount(l.returnedQuantity)}</td>
                <td className="num">{formatMoney(l.unitPrice)}</td>
                <td className="num">
                  <input
                    className="qty"
                    type="number"
                    min={0}
                    max={l.quantity - l.returnedQuantity}
                    inputMode="numeric"
                    value={quantities[i]}
                    onChange={(e) => setQuantities((q) => q.map((v, j) => (j === i ? e.target.value : v)))}
                    aria-label={`Units of ${l.product.name} to return`}
                    aria-describedby={`return-${i}-error`}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="refund-method">Refund</label>
          <select id="refund-method" value={method} onChange={(e) => setMethod(e.target.value as PaymentMethod)}>
            <option value="CASH">Cash</option>
            <option value="CARD">Card</option>
          </select>
        </div>
        <TextField
          id="return-reason"
          label="Reason (optional)"
          value={reason}
          onChange={setReason}
          errors={errors}
          field="input.reason"
          grow
        />
        <button type="submit" disabled={loading}>
          {loading ? 'Taking the return…' : 'Take the return'}
        </button>
      </div>
      <FormErrors errors={errors} shown={[...sent.map((_s, at) => `input.lines.${at}`), 'input.reason']} />
      {failure ? <ProblemMessage error={failure} /> : null}
      {result ? (
        <p className="notice" role="status">
          Return {result.status === 'COMPLETED' ? 'completed' : result.status.toLowerCase()}: refund{' '}
          {formatMoney(result.refund)} by {PAYMENT[method].toLowerCase()}.
        </p>
      ) : null}
    </form>
  );
}

type Closed = NonNullable<CloseRegisterMutation['closeRegister']['session']>;

function ClosePanel({ registerId }: { registerId: string }) {
  const [counted, setCounted] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState(FieldErrors.none('retail'));
  const [failure, setFailure] = useState<unknown>(null);
  const [closed, setClosed] = useState<Closed | null>(null);
  const [close, { loading }] = useMutation(CloseRegisterDocument);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    try {
      const { data } = await close({
        variables: { input: { registerId, countedCash: counted.trim(), note: note.trim() || null } },
        // Not CurrentEmployee yet: the register would show as closed and take the figures off the screen.
        refetchQueries: [RegisterSessionsDocument],
      });
      const payload = data?.closeRegister;
      if (!payload) return;
      setErrors(new FieldErrors('retail', payload.errors));
      if (payload.session) setClosed(payload.session);
    } catch (err) {
      setFailure(err);
    }
  };
  if (closed) return <ClosedFigures session={closed} registerId={registerId} />;
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="close-title">
      <h2 id="close-title">Close the register</h2>
      <div className="field">
        <label htmlFor="counted-cash">Cash counted in the drawer</label>
        <input
          id="counted-cash"
          inputMode="decimal"
          value={counted}
          onChange={(e) => setCounted(e.target.value)}
          aria-invalid={errors.of('input.countedCash').length > 0 || undefined}
          aria-describedby="counted-cash-error"
        />
        <FieldError errors={errors} field="input.countedCash" id="counted-cash-error" />
      </div>
      <TextField
        id="closing-note"
        label="Note (optional)"
        value={note}
        onChange={setNote}
        errors={errors}
        field="input.note"
      />
      <FormErrors errors={errors} shown={['input.countedCash', 'input.note']} />
      {failure ? <ProblemMessage error={failure} /> : null}
      <button type="submit" disabled={loading}>
        {loading ? 'Closing…' : 'Close register'}
      </button>
    </form>
  );
}

/** The figures closeRegister froze; "Done" shows the register closed (ready to open again). */
function ClosedFigures({ session, registerId }: { session: Closed; registerId: string }) {
  const client = useApolloClient();
  return (
    <section className="panel" aria-labelledby="closed-title">
      <h2 id="closed-title">Register closed</h2>
      <dl className="closed-figures">
        <dt>Sales</dt>
        <dd>{formatCount(session.salesCount)}</dd>
        <dt>Opening float</dt>
        <dd>{formatMoney(session.openingFloat)}</dd>
        <dt>Cash sales</dt>
        <dd>{formatMoney(session.cashSales)}</dd>
        <dt>Cash refunds</dt>
        <dd>{formatMoney(session.cashRefunds)}</dd>
        <dt>Expected in the drawer</dt>
        <dd>{formatMoney(session.expectedCash)}</dd>
        <dt>Counted</dt>
        <dd>{formatMoney(session.countedCash)}</dd>
        <dt>Difference</dt>
        <dd className={session.difference && toMinor(session.difference.amount) !== 0 ? 'off' : undefined}>
          {formatMoney(session.difference)}
        </dd>
      </dl>
      <button
        type="button"
        onClick={() => {
          // This register stays chosen: without it the till would pick another open one.
          setParams({ tab: null, register: registerId });
          void client.refetchQueries({ include: [CurrentEmployeeDocument] });
        }}
      >
        Done
      </button>
    </section>
  );
}

const SESSIONS_PAGE = 5;

function PastSessions({ registerId }: { registerId: string }) {
  const pages = useCursorPages();
  const { data, error, loading } = useQuery(RegisterSessionsDocument, {
    variables: { registerId, first: SESSIONS_PAGE, after: pages.after },
    fetchPolicy: 'cache-and-network',
  });
  const list = data?.registerSessions;
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions of this register</h2>
      {error ? <ProblemMessage error={error} /> : null}
      {!list && loading ? <Loading what="the sessions" /> : null}
      {list && list.totalCount === 0 ? <Empty>This register was never opened.</Empty> : null}
      {list && list.totalCount > 0 ? (
        <>
          <div className="table-wrap">
            <table aria-labelledby="sessions-title">
              <thead>
                <HeadRow
                  columns={[
                    'Opened',
                    'Closed',
                    { num: 'Sales' },
                    { num: 'Float' },
                    { num: 'Cash sales' },
                    { num: 'Cash refunds' },
                    { num: 'Expected' },
                    { num: 'Counted' },
                    { num: 'Difference' },
                  ]}
                />
              </thead>
              <tbody>
                {list.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>
                      {formatShortDateTime(node.openedAt)}
                      {node.openedBy ? <span className="status-note"> {node.openedBy.name}</span> : null}
                    </td>
                    <td>
                      {node.status === 'OPEN' ? (
                        <span className="status status-pending">Open</span>
                      ) : (
                        formatShortDateTime(node.closedAt)
                      )}
                      {node.closedBy ? <span className="status-note"> {node.closedBy.name}</span> : null}
                    </td>
                    <td className="num">{formatCount(node.salesCount)}</td>
                    <td className="num">{formatMoney(node.openingFloat)}</td>
                    <td className="num">{formatMoney(node.cashSales)}</td>
                    <td className="num">{formatMoney(node.cashRefunds)}</td>
                    <td className="num">{formatMoney(node.expectedCash)}</td>
                    <td className="num">{formatMoney(node.countedCash)}</td>
                    <td className="num">{formatMoney(node.difference)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ConnectionPager label="Session pages" pages={pages} pageSize={SESSIONS_PAGE} connection={list} />
        </>
      ) : null}
    </section>
  );
}
