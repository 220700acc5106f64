import { parseDecimalToMinor } from '../../kit';
import type { ProductInfo } from '../domain/ports';
import { ecommerceServiceToken } from './service-token';
import { postGraphQL, TransportError } from './http';

export class ProductsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProductsUnavailableError';
  }
}

const ENTITIES_QUERY =
  'query($r:[_Any!]!){ _entities(representations:$r){ ... on Product { id name active price { amount currency } } } }';

interface EntitiesData {
  _entities: ({ id: string; name: string; active: boolean; price: { amount: string; currency: string } } | null)[];
}

/** "12.50" -> 1250 without floating point. */
function toMinor(amount: string): number {
  const minor = parseDecimalToMinor(amount);
  if (minor === null)
    throw new ProductsUnavailableError(`products answered a malformed price ${JSON.stringify(amount)}`);
  return minor;
}

/**
 * Reads products from the products subgraph through its federation `_entities` field: one HTTP
 * request for any number of ids. ecommerce never opens the products database.
 */
export class ProductsClient {
  constructor(
    readonly url: string,
    private readonly timeoutMs = 5_000,
  ) {}

  /** Products in the order of `ids`; null for an id the catalogue does not know. */
  async fetchMany(ids: readonly string[], requestId?: string): Promise<(ProductInfo | null)[]> {
    if (ids.length === 0) return [];
    let res;
    try {
      res = await postGraphQL<EntitiesData>(
        this.url,
        ENTITIES_QUERY,
        { r: ids.map((id) => ({ __typename: 'Product', id })) },
        { token: ecommerceServiceToken(), requestId, timeoutMs: this.timeoutMs },
      );
    } catch (err) {
      if (err instanceof TransportError) throw new ProductsUnavailableError(err.message);
      throw err;
    }
    const list = res.data?._entities;
    if (!Array.isArray(list) || list.length !== ids.length) {
      const reason = res.errors?.map((e) => e.message).join('; ') ?? 'no _entities in the answer';
      throw new ProductsUnavailableError(`products lookup failed: ${reason}`);
    }
    return list.map((p) =>
      p && typeof p.id === 'string'
        ? { id: p.id, name: p.name, active: p.active, priceCents: toMinor(p.price.amount), currency: p.price.currency }
        : null,
    );
  }
}
