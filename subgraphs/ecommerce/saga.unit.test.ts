import {
  canTransition,
  compensationFallback,
  compensationsFor,
  FORWARD,
  isCancellable,
  isTerminal,
  nextAction,
  onStepFailure,
  outcomeLabel,
  ORDER_STATUSES,
  type SagaSnapshot,
  type SagaState,
} from './domain/saga';
import { checkEmail, checkPhone, checkQuantity } from '../kit/domain';
import { checkCard } from './domain/validation';
import { cardBrand, FakePaymentProvider } from './clients/payments';

const snap = (s: Partial<SagaSnapshot> & Pick<SagaSnapshot, 'state'>): SagaSnapshot => ({
  compensateFrom: null,
  compensationsDone: [],
  ...s,
});

describe('checkout saga state machine', () => {
  it('walks forward PENDING -> STOCK_RESERVED -> PAYMENT_AUTHORIZED -> CONFIRMED', () => {
    expect(nextAction(snap({ state: 'PENDING' }))).toEqual({
      kind: 'forward',
      step: 'RESERVE_STOCK',
      next: 'STOCK_RESERVED',
    });
    expect(nextAction(snap({ state: 'STOCK_RESERVED' }))).toEqual({
      kind: 'forward',
      step: 'AUTHORIZE_PAYMENT',
      next: 'PAYMENT_AUTHORIZED',
    });
    expect(nextAction(snap({ state: 'PAYMENT_AUTHORIZED' }))).toEqual({
      kind: 'forward',
      step: 'COMMIT_STOCK',
      next: 'CONFIRMED',
    });
    expect(nextAction(snap({ state: 'CONFIRMED' }))).toEqual({ kind: 'none' });
    expect(nextAction(snap({ state: 'CANCELLED' }))).toEqual({ kind: 'none' });
  });

  it('compensates in reverse order of the forward steps', () => {
    expect(compensationsFor('PENDING')).toEqual(['RELEASE_STOCK']);
    expect(compensationsFor('STOCK_RESERVED')).toEqual(['VOID_PAYMENT', 'RELEASE_STOCK']);
    expect(compensationsFor('PAYMENT_AUTHORIZED')).toEqual(['VOID_PAYMENT', 'RELEASE_STOCK']);
    expect(compensationsFor('CONFIRMED')).toEqual(['REFUND_PAYMENT', 'RESTOCK']);
  });

  it('resumes a compensation where it stopped and finishes when all are done', () => {
    const base = { state: 'CANCELLING' as const, compensateFrom: 'PAYMENT_AUTHORIZED' as const };
    expect(nextAction(snap({ ...base }))).toEqual({ kind: 'compensate', step: 'VOID_PAYMENT' });
    expect(nextAction(snap({ ...base, compensationsDone: ['VOID_PAYMENT'] }))).toEqual({
      kind: 'compensate',
      step: 'RELEASE_STOCK',
    });
    expect(nextAction(snap({ ...base, compensationsDone: ['VOID_PAYMENT', 'RELEASE_STOCK'] }))).toEqual({
      kind: 'finish',
    });
    expect(
      nextAction(snap({ state: 'CANCELLING', compensateFrom: 'CONFIRMED', compensationsDone: ['REFUND_PAYMENT'] })),
    ).toEqual({
      kind: 'compensate',
      step: 'RESTOCK',
    });
  });

  it('cancels a refused reservation without compensating, compensates an unknown outcome', () => {
    expect(onStepFailure('RESERVE_STOCK', { transient: false, code: 'INSUFFICIENT_STOCK' }, 1, 10)).toEqual({
      kind: 'cancel',
    });
    expect(onStepFailure('RESERVE_STOCK', { transient: true, code: 'INVENTORY_UNAVAILABLE' }, 1, 10)).toEqual({
      kind: 'compensate',
      from: 'PENDING',
    });
  });

  it('compensates a declined or timed-out payment from STOCK_RESERVED', () => {
    for (const code of ['PAYMENT_DECLINED', 'PAYMENT_TIMEOUT']) {
      expect(onStepFailure('AUTHORIZE_PAYMENT', { transient: false, code }, 1, 10)).toEqual({
        kind: 'compensate',
        from: 'STOCK_RESERVED',
      });
    }
  });

  it('retries a commit with an unknown outcome, up to the attempt limit, then compensates', () => {
    const transient = { transient: true, code: 'INVENTORY_UNAVAILABLE' };
    expect(onStepFailure('COMMIT_STOCK', transient, 1, 3)).toEqual({ kind: 'retry-later' });
    expect(onStepFailure('COMMIT_STOCK', transient, 3, 3)).toEqual({ kind: 'compensate', from: 'PAYMENT_AUTHORIZED' });
    expect(onStepFailure('COMMIT_STOCK', { transient: false, code: 'RESERVATION_NOT_ACTIVE' }, 1, 3)).toEqual({
      kind: 'compensate',
      from: 'PAYMENT_AUTHORIZED',
    });
    expect(onStepFailure('RELEASE_STOCK', transient, 50, 3)).toEqual({ kind: 'retry-later' });
  });

  it('restocks when a release finds the reservation already committed', () => {
    expect(compensationFallback('RELEASE_STOCK', 'RESERVATION_NOT_ACTIVE')).toBe('RESTOCK');
    expect(compensationFallback('RELEASE_STOCK', 'OTHER')).toBeNull();
    expect(compensationFallback('VOID_PAYMENT', 'RESERVATION_NOT_ACTIVE')).toBeNull();
  });

  it('allows only the documented transitions', () => {
    expect(canTransition('PENDING', 'STOCK_RESERVED')).toBe(true);
    expect(canTransition('PENDING', 'CANCELLED')).toBe(true);
    expect(canTransition('PENDING', 'CONFIRMED')).toBe(false);
    expect(canTransition('STOCK_RESERVED', 'CONFIRMED')).toBe(false);
    expect(canTransition('CONFIRMED', 'SHIPPED')).toBe(true);
    expect(canTransition('CANCELLING', 'CANCELLED')).toBe(true);
    for (const to of ORDER_STATUSES) {
      expect(canTransition('CANCELLED', to)).toBe(false);
      expect(canTransition('SHIPPED', to)).toBe(false);
    }
  });

  it('allows every move the state machine makes (the runner refuses anything else)', () => {
    for (const [from, { step, next }] of Object.entries(FORWARD) as [SagaState, (typeof FORWARD)['PENDING']][]) {
      expect(canTransition(from, next)).toBe(true);
      for (const transient of [true, false]) {
        const decision = onStepFailure(step, { transient, code: 'ANY' }, 99, 1);
        if (decision.kind === 'cancel') expect(canTransition(from, 'CANCELLED')).toBe(true);
        if (decision.kind === 'compensate') expect(canTransition(from, 'CANCELLING')).toBe(true);
      }
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
