import { checkEmail, checkPhone, checkQuantity, type StepFailure } from '../../../subgraphs/kit/domain';
import {
  canTransition,
  isCancellable,
  isTerminal,
  ORDER_STATUSES,
  outcomeLabel,
  type OrderStatus,
} from '../../../subgraphs/ecommerce/domain/saga';
import { CHECKOUT_SAGA, type CheckoutRun } from '../../../subgraphs/ecommerce/domain/saga-runner';
import { checkCard } from '../../../subgraphs/ecommerce/domain/validation';
import { cardBrand, FakePaymentProvider } from '../../../subgraphs/ecommerce/clients/payments';

const plan = CHECKOUT_SAGA.plan;
const row = (state: OrderStatus, compensateFrom: OrderStatus | null = null, compensationsDone: string[] = []) => ({
  state,
  compensateFrom,
  compensationsDone,
});
const step = (name: string) => {
  const found = CHECKOUT_SAGA.declaration.steps.find((s) => s.name === name);
  if (!found?.onFailure) throw new Error(`no failure rule for ${name}`);
  return found.onFailure;
};
// Failure rules read only the commit's attempt limit from the run.
const runWith = (maxCommitAttempts: number) => ({ ctx: { config: { maxCommitAttempts } } }) as unknown as CheckoutRun;
const failure = (transient: boolean, code = 'ANY'): StepFailure => ({ transient, code, message: code });

describe('checkout saga, declared on the kit engine', () => {
  it('walks forward PENDING -> PAYMENT_AUTHORIZED -> CONFIRMED: one call to inventory', () => {
    expect(plan.next(row('PENDING'))).toEqual({
      kind: 'forward',
      step: 'AUTHORIZE_PAYMENT',
      next: 'PAYMENT_AUTHORIZED',
    });
    expect(plan.next(row('PAYMENT_AUTHORIZED'))).toEqual({ kind: 'forward', step: 'TAKE_STOCK', next: 'CONFIRMED' });
    expect(plan.next(row('CONFIRMED'))).toEqual({ kind: 'none' });
    expect(plan.next(row('CANCELLED'))).toEqual({ kind: 'none' });
    // A checkout left in STOCK_RESERVED (reserve, then commit) is only ever undone.
    expect(plan.next(row('STOCK_RESERVED'))).toEqual({ kind: 'none' });
  });

  it('compensates in reverse order of the steps done and the one that may have been in flight', () => {
    expect(plan.compensationsFrom('PENDING')).toEqual(['VOID_PAYMENT']);
    expect(plan.compensationsFrom('PAYMENT_AUTHORIZED')).toEqual(['RELEASE_STOCK', 'VOID_PAYMENT']);
    // A legacy reservation expires in inventory on its own; the payment is voided.
    expect(plan.compensationsFrom('STOCK_RESERVED')).toEqual(['VOID_PAYMENT']);
    // A confirmed order is undone by its reversal: refund, then the units back on the shelf.
    expect(plan.compensationsFrom('CONFIRMED')).toEqual(['REFUND_PAYMENT', 'RESTOCK']);
  });

  it('resumes a compensation where it stopped and finishes when all are done', () => {
    expect(plan.next(row('CANCELLING', 'PAYMENT_AUTHORIZED'))).toMatchObject({
      kind: 'compensate',
      step: 'RELEASE_STOCK',
    });
    expect(plan.next(row('CANCELLING', 'PAYMENT_AUTHORIZED', ['RELEASE_STOCK']))).toMatchObject({
      kind: 'compensate',
      step: 'VOID_PAYMENT',
    });
    expect(plan.next(row('CANCELLING', 'PAYMENT_AUTHORIZED', ['RELEASE_STOCK', 'VOID_PAYMENT']))).toEqual({
      kind: 'finish',
      to: 'CANCELLED',
    });
    expect(plan.next(row('CANCELLING', 'CONFIRMED', ['REFUND_PAYMENT']))).toMatchObject({
      kind: 'compensate',
      step: 'RESTOCK',
    });
    // A row written before compensate_from was kept compensates from PENDING, as it always did.
    expect(plan.next(row('CANCELLING'))).toMatchObject({ kind: 'compensate', step: 'VOID_PAYMENT' });
  });

  it('records the step a move leads to, so the next call needs no extra write', () => {
    expect(plan.stepAfter('PAYMENT_AUTHORIZED', null, [])).toBe('TAKE_STOCK');
    expect(plan.stepAfter('CANCELLING', 'PAYMENT_AUTHORIZED', [])).toBe('RELEASE_STOCK');
    expect(plan.stepAfter('CANCELLING', 'PAYMENT_AUTHORIZED', ['RELEASE_STOCK'])).toBe('VOID_PAYMENT');
    expect(plan.stepAfter('CONFIRMED', null, [])).toBeNull();
    expect(plan.stepAfter('CANCELLED', 'PAYMENT_AUTHORIZED', ['RELEASE_STOCK', 'VOID_PAYMENT'])).toBeNull();
  });

  it('cancels a declined payment without compensating; voids one whose outcome is unknown', () => {
    expect(step('AUTHORIZE_PAYMENT')(failure(false, 'PAYMENT_DECLINED'), 1, runWith(10))).toBe('abort');
    for (const code of ['PAYMENT_TIMEOUT', 'PAYMENT_ERROR']) {
      expect(step('AUTHORIZE_PAYMENT')(failure(false, code), 1, runWith(10))).toBe('compensate');
    }
    expect(plan.undoFrom('PENDING')).toEqual({ during: 'CANCELLING', done: 'CANCELLED' });
  });

  it('retries a take with an unknown outcome, up to the attempt limit, then compensates; a refusal compensates', () => {
    expect(step('TAKE_STOCK')(failure(true), 1, runWith(3))).toBe('retry');
    expect(step('TAKE_STOCK')(failure(true), 3, runWith(3))).toBe('compensate');
    expect(step('TAKE_STOCK')(failure(false, 'INSUFFICIENT_STOCK'), 1, runWith(3))).toBe('compensate');
  });

  it('restocks when a release finds the stock already taken', () => {
    const release = CHECKOUT_SAGA.declaration.compensations?.find((c) => c.name === 'RELEASE_STOCK');
    expect(release?.fallback).toEqual({ code: 'RESERVATION_NOT_ACTIVE', then: 'RESTOCK' });
    const others = CHECKOUT_SAGA.declaration.compensations?.filter((c) => c.name !== 'RELEASE_STOCK');
    expect(others?.map((c) => c.fallback)).toEqual([undefined, undefined, undefined]);
  });

  it('allows only the documented transitions', () => {
    expect(canTransition('PENDING', 'PAYMENT_AUTHORIZED')).toBe(true);
    expect(canTransition('PENDING', 'CANCELLED')).toBe(true);
    expect(canTransition('PENDING', 'CONFIRMED')).toBe(false);
    expect(canTransition('STOCK_RESERVED', 'CONFIRMED')).toBe(false);
    expect(canTransition('STOCK_RESERVED', 'CANCELLING')).toBe(true);
    expect(canTransition('CONFIRMED', 'SHIPPED')).toBe(true);
    expect(canTransition('CANCELLING', 'CANCELLED')).toBe(true);
    for (const to of ORDER_STATUSES) {
      expect(canTransition('CANCELLED', to)).toBe(false);
      expect(canTransition('SHIPPED', to)).toBe(false);
    }
  });

  it('allows every move the declaration makes (the engine refuses anything else)', () => {
    const { declaration } = CHECKOUT_SAGA;
    let from: OrderStatus = declaration.initial;
    for (const s of declaration.steps) {
      expect([from, s.reaches, canTransition(from, s.reaches)]).toEqual([from, s.reaches, true]);
      for (const transient of [true, false]) {
        const decision = s.onFailure?.(failure(transient), 99, runWith(1));
        if (decision === 'abort') expect(canTransition(from, declaration.aborted)).toBe(true);
        if (decision === 'compensate') expect(canTransition(from, plan.undoFrom(from)!.during)).toBe(true);
      }
      from = s.reaches;
    }
    expect(canTransition('CANCELLING', 'CANCELLED')).toBe(true);
    for (const status of ORDER_STATUSES) expect(isCancellable(status)).toBe(canTransition(status, 'CANCELLING'));
  });

  it('knows terminal and cancellable states', () => {
    expect(isTerminal('CONFIRMED')).toBe(true);
    expect(isTerminal('CANCELLED')).toBe(true);
    expect(isTerminal('CANCELLING')).toBe(false);
    expect(isCancellable('PENDING')).toBe(true);
    expect(isCancellable('CONFIRMED')).toBe(true);
    expect(isCancellable('SHIPPED')).toBe(false);
    expect(isCancellable('CANCELLED')).toBe(false);
    expect(isCancellable('CANCELLING')).toBe(false);
  });

  it('labels outcomes with a small fixed set', () => {
    expect(outcomeLabel('CONFIRMED', null)).toBe('confirmed');
    expect(outcomeLabel('CANCELLED', 'INSUFFICIENT_STOCK')).toBe('insufficient_stock');
    expect(outcomeLabel('CANCELLED', 'PAYMENT_TIMEOUT')).toBe('payment_timeout');
    expect(outcomeLabel('CANCELLED', 'SOMETHING_NEW')).toBe('failed');
  });
});

describe('input rules', () => {
  it.each([0, -1, 1000, 1_000_000_000, 1.5])('refuses quantity %p', (q) => {
    expect(checkQuantity(q, ['input', 'quantity'])?.code).toBe('INVALID_QUANTITY');
  });
  it.each([1, 999])('accepts quantity %p', (q) => expect(checkQuantity(q, ['q'])).toBeNull());

  it.each(['not-an-email', 'a@b', '@example.com', 'a b@example.com', `${'x'.repeat(250)}@example.com`])(
    'refuses email %p',
    (e) => {
      expect(checkEmail(e, ['input', 'email'])?.code).toBe('INVALID_EMAIL');
    },
  );

  it('holds a phone number to the documented 30 characters, a leading "+" included', () => {
    expect(checkPhone(`+${'1'.repeat(29)}`, ['input', 'phone'])).toBeNull();
    expect(checkPhone('1'.repeat(30), ['input', 'phone'])).toBeNull();
    expect(checkPhone(`+${'1'.repeat(30)}`, ['input', 'phone'])?.code).toBe('INVALID_PHONE');
    expect(checkPhone('1'.repeat(31), ['input', 'phone'])?.code).toBe('INVALID_PHONE');
  });

  it('validates cards by shape and expiry, keeping only digits', () => {
    const now = new Date('2026-06-15T00:00:00Z');
    const ok = checkCard(
      { cardNumber: '4242 4242-4242 4242', expiryMonth: 6, expiryYear: 2026, cvc: '123' },
      ['p'],
      now,
    );
    expect(ok.errors).toEqual([]);
    expect(ok.card?.number).toBe('4242424242424242');
    expect(
      checkCard({ cardNumber: '4242', expiryMonth: 1, expiryYear: 2030, cvc: '123' }, ['p'], now).errors[0]?.code,
    ).toBe('INVALID_CARD');
    expect(
      checkCard({ cardNumber: '4242424242424242', expiryMonth: 5, expiryYear: 2026, cvc: '123' }, ['p'], now).errors[0]
        ?.code,
    ).toBe('CARD_EXPIRED');
  });
});

describe('fake payment provider', () => {
  const provider = new FakePaymentProvider();
  const card = (number: string) => ({ number, expiryMonth: 12, expiryYear: 2099, cvc: '123', holderName: null });

  it('tokenizes without keeping the card number', async () => {
    const t = await provider.tokenize(card('4000000000000077'));
    expect(t.last4).toBe('0077');
    expect(t.brand).toBe('VISA');
    expect(t.token).not.toContain('4000000000000077');
    expect(cardBrand('5555555555554444')).toBe('MASTERCARD');
  });

  it('authorises idempotently by order, declines 0002, never answers 0005 until aborted', async () => {
    const ok = await provider.tokenize(card('4242424242424242'));
    const a = await provider.authorize(
      { orderId: 'o1', token: ok.token, amountCents: 100, currency: 'CAD' },
      new AbortController().signal,
    );
    const b = await provider.authorize(
      { orderId: 'o1', token: ok.token, amountCents: 100, currency: 'CAD' },
      new AbortController().signal,
    );
    expect(a).toEqual(b);
    expect(a.ok).toBe(true);

    const declined = await provider.tokenize(card('4000000000000002'));
    const d = await provider.authorize(
      { orderId: 'o2', token: declined.token, amountCents: 100, currency: 'CAD' },
      new AbortController().signal,
    );
    expect(d).toMatchObject({ ok: false, code: 'PAYMENT_DECLINED' });

    const slow = await provider.tokenize(card('4000000000000005'));
    const ac = new AbortController();
    const pending = provider.authorize(
      { orderId: 'o3', token: slow.token, amountCents: 100, currency: 'CAD' },
      ac.signal,
    );
    setTimeout(() => ac.abort(), 20);
    await expect(pending).rejects.toThrow(/did not answer/);
  });
});
