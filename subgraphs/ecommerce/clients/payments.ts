import { createHash, randomBytes } from 'node:crypto';

/** Card details as typed by the customer; they live only for the duration of the checkout call. */
export interface CardDetails {
  number: string;
  expiryMonth: number;
  expiryYear: number;
  cvc: string;
  holderName: string | null;
}

/** What is kept instead of the card: the provider's reusable token, the brand and the last 4 digits. */
export interface TokenizedCard {
  token: string;
  brand: string;
  last4: string;
}

export type AuthorizationResult =
  { ok: true; authorizationId: string } | { ok: false; code: 'PAYMENT_DECLINED'; message: string };

export interface AuthorizeRequest {
  /** Idempotency key at the provider: authorising the same order twice returns the same authorisation. */
  orderId: string;
  token: string;
  amountCents: number;
  currency: string;
}

/**
 * A card payment gateway. Every call is idempotent by order id, which is what lets the checkout
 * saga retry or compensate after a crash or a timeout without double charging.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Exchanges the card for a token (the card number never reaches our database). */
  tokenize(card: CardDetails): Promise<TokenizedCard>;
  /** Holds the amount on the card. Must give up when `signal` aborts (the saga's timeout). */
  authorize(req: AuthorizeRequest, signal: AbortSignal): Promise<AuthorizationResult>;
  /** Cancels an authorisation before capture; by order id, so it also covers an authorisation whose answer was lost. */
  void(orderId: string, authorizationId: string | null): Promise<void>;
  /** Gives back a captured amount (cancellation of a confirmed order). */
  refund(orderId: string, authorizationId: string | null, amountCents: number, currency: string): Promise<void>;
}

export function cardBrand(number: string): string {
  if (/^4/.test(number)) return 'VISA';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'MASTERCARD';
  if (/^3[47]/.test(number)) return 'AMEX';
  return 'CARD';
}

/**
 * The built-in provider for development and tests, stateless so that it behaves the same after a
 * restart: a card ending in 0002 is declined, one ending in 0005 never answers (the saga's timeout
 * fires), every other card is authorised. Tokens carry the last 4 digits, nothing else.
 */
export class FakePaymentProvider implements PaymentProvider {
  readonly name = 'fake';

  async tokenize(card: CardDetails): Promise<TokenizedCard> {
    const last4 = card.number.slice(-4);
    return { token: `fake_${last4}_${randomBytes(12).toString('hex')}`, brand: cardBrand(card.number), last4 };
  }

  authorize(req: AuthorizeRequest, signal: AbortSignal): Promise<AuthorizationResult> {
    const last4 = /^fake_(\d{4})_/.exec(req.token)?.[1];
    if (last4 === '0002') {
      return Promise.resolve({ ok: false, code: 'PAYMENT_DECLINED', message: 'The card issuer declined the payment' });
    }
    if (last4 === '0005') {
      return new Promise((_resolve, reject) => {
        const fail = () => reject(new Error('payment provider did not answer'));
        if (signal.aborted) fail();
        else signal.addEventListener('abort', fail, { once: true });
      });
    }
    const authorizationId = `auth_${createHash('sha256').update(req.orderId).digest('hex').slice(0, 20)}`;
    return Promise.resolve({ ok: true, authorizationId });
  }

  async void(): Promise<void> {
    // Nothing is held by the fake provider.
  }

  async refund(): Promise<void> {
    // Nothing was captured by the fake provider.
  }
}
