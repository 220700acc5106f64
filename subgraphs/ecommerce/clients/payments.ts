import { createHash, randomBytes } from 'node:crypto';
import type {
  AuthorizationResult,
  AuthorizeRequest,
  CardDetails,
  PaymentProvider,
  TokenizedCard,
} from '../domain/ports';

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
