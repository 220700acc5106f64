import type DataLoader from 'dataloader';
import { ServiceUnavailable } from '../domain-errors';
import type { ServiceName } from '../env';
import { keyedLoader } from '../loaders';
import type { Metrics } from '../metrics';
import { parseDecimalToMinor } from '../money';
import type { ProductInfo } from '../ports';
import { postGraphQL, TransportError } from './graphql';
import { cachedServiceToken } from './service-token';

const ENTITIES_QUERY =
  'query($r:[_Any!]!){ _entities(representations:$r){ ... on Product { id name active price { amount currency } category { id } } } }';

interface EntitiesData {
  _entities: ({
    id: string;
    name: string;
    active: boolean;
    price: { amount: string; currency: string };
    category: { id: string } | null;
  } | null)[];
}

/** Products by id, in the order asked, null for an id the catalogue does not know. */
export interface ProductSource {
  fetchMany(ids: readonly string[], requestId?: string): Promise<(ProductInfo | null)[]>;
}

export interface ProductsClientOptions {
  /** The calling subgraph: its SERVICE token goes with every request. */
  caller: ServiceName;
  /** Whole-call budget of one lookup (default 5 s). */
  timeoutMs?: number;
}

/**
 * Reads products from the products subgraph through its federation `_entities` field: one HTTP
 * request for any number of ids. No caller ever opens the products database. Any failure to get a
 * well-formed answer (no connection, timeout, a GraphQL error, a malformed price) throws
 * ServiceUnavailable('products'), which the kit reports as SERVICE_UNAVAILABLE: a caller never acts
 * on a guess.
 */
export class ProductsClient implements ProductSource {
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    private readonly opts: ProductsClientOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5_000;
  }

  async fetchMany(ids: readonly string[], requestId?: string): Promise<(ProductInfo | null)[]> {
    if (ids.length === 0) return [];
    let res;
    try {
      res = await postGraphQL<EntitiesData>(
        this.url,
        ENTITIES_QUERY,
        { r: ids.map((id) => ({ __typename: 'Product', id })) },
        { token: cachedServiceToken(this.opts.caller), requestId, timeoutMs: this.timeoutMs },
      );
    } catch (err) {
      if (err instanceof TransportError) throw unavailable(err.message);
      throw err;
    }
    const list = res.data?._entities;
    if (!Array.isArray(list) || list.length !== ids.length) {
      const reason = res.errors?.map((e) => e.message).join('; ') ?? 'no _entities in the answer';
      throw unavailable(`products lookup failed: ${reason}`);
    }
    return list.map((p) =>
      p && typeof p.id === 'string'
        ? {
            id: p.id,
            name: p.name,
            active: p.active,
            priceCents: toMinor(p.price.amount),
            currency: p.price.currency,
            categoryId: p.category?.id ?? null,
          }
        : null,
    );
  }
}

function unavailable(detail: string): ServiceUnavailable {
  return new ServiceUnavailable('products', { cause: new Error(detail) });
}

/** "12.50" -> 1250 without floating point. */
function toMinor(amount: string): number {
  const minor = parseDecimalToMinor(amount);
  if (minor === null) throw unavailable(`products answered a malformed price ${JSON.stringify(amount)}`);
  return minor;
}

/**
 * The domain's ProductLookup over the products subgraph, request-scoped: every id asked for in one
 * tick becomes ONE `_entities` request. The source is asked for on the first batch, so building
 * loaders reads no configuration.
 */
export function productLoader(source: () => ProductSource, metrics: Metrics): DataLoader<string, ProductInfo | null> {
  return keyedLoader(
    'product',
    metrics,
    async (ids) => (await source().fetchMany(ids)).filter((p): p is ProductInfo => p !== null),
    (p) => p.id,
  );
}
