/**
 * The request mixes of the gateway comparison (loadtests/gateways.ts), built once at start from the
 * seeded demo data as our router serves it, then sent unchanged to every target:
 *
 *   hot     CatalogPage(first: 20) from every connection (the page the other catalogue targets use).
 *   varied  a fixed list of distinct requests (VARIED_MIN or more), cycled in order by every
 *           connection, each connection starting at its own place in the list: catalogue pages with
 *           different first/after cursors and category, text and price filters, StorefrontProduct
 *           for different products, SearchProducts for different texts.
 *   skewed  a storefront's traffic: 75 % catalogue pages, 20 % anonymous StorefrontProduct pages, 5 %
 *           signed-in `Me` (customers registered here, each with an address and a cart), each drawn
 *           from its own Zipf distribution (s = 1.1 by default) over the pages, the products and the
 *           customers; one seeded sequence (connections x perConnection draws), cut into one run of
 *           draws per connection, which cycles its own run: every target gets the same sequence.
 *
 * autocannon sends them from `requests` lists built once per connection (loadtests/gateways.ts),
 * so the load generator only writes prepared buffers.
 */
import { randomBytes } from 'node:crypto';
import { operation } from '../schema/operations';
import { seededRandom } from '../subgraphs/kit/demo-ids';
import { gql, pool } from './util';

/** One GraphQL request of a workload, the same for every target. */
export interface WorkloadRequest {
  /** Short human label, e.g. `CatalogPage(first: 20, category cat-home)`. */
  label: string;
  kind: 'catalogue' | 'product' | 'search' | 'me';
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
  /** A customer's bearer token (signed-in requests only). */
  token?: string;
}

export interface Workload {
  key: 'hot' | 'varied' | 'skewed';
  description: string;
  /**
   * What each connection sends, in order and cycled: one list per connection (connection i uses
   * perConnection[i % length]).
   */
  perConnection: WorkloadRequest[][];
  /** Every distinct request of the workload (checked on every target before it is measured). */
  distinct: WorkloadRequest[];
  /** Share of each kind over the whole sequence (what every target is sent, before truncation). */
  mix: Record<string, number>;
}

export const VARIED_MIN = 35;
const CATALOG_PAGE = operation('CatalogPage');
const STOREFRONT_PRODUCT = operation('StorefrontProduct');
const SEARCH_PRODUCTS = operation('SearchProducts');
const ME = operation('Me');

/** Zipf over ranks 0..n-1 (rank 0 the most popular): P(rank k) proportional to 1 / (k + 1)^s. */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  if (n < 1) throw new Error('zipf over an empty set');
  const cdf: number[] = [];
  let total = 0;
  for (let k = 1; k <= n; k++) {
    total += 1 / k ** s;
    cdf.push(total);
  }
  return () => {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** A seeded Fisher-Yates shuffle (a copy). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** `list` started at `offset` (cycled). */
export function rotated<T>(list: readonly T[], offset: number): T[] {
  const k = ((offset % list.length) + list.length) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

interface Category {
  id: string;
  name: string;
  productCount: number;
  children?: Category[];
}

interface ProductNode {
  id: string;
  name: string;
  price: { amount: string };
}

interface Page {
  filter: Record<string, unknown>;
  /** Its number in its listing (1-based). */
  number: number;
  after: string | null;
  nodes: ProductNode[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** What the seeded data offers, read through the router. */
export interface Catalogue {
  categories: { id: string; name: string; root: boolean }[];
  /** Every page (20 a page) of the active listing and of each category's active listing. */
  pages: Page[];
  /** Active products, in listing order. */
  products: ProductNode[];
}

function catalogRequest(label: string, variables: Record<string, unknown>): WorkloadRequest {
  return { label, kind: 'catalogue', operationName: 'CatalogPage', query: CATALOG_PAGE, variables };
}

function productRequest(id: string): WorkloadRequest {
  return {
    label: `StorefrontProduct(${id})`,
    kind: 'product',
    operationName: 'StorefrontProduct',
    query: STOREFRONT_PRODUCT,
    variables: { id },
  };
}

function searchRequest(text: string, first: number): WorkloadRequest {
  return {
    label: `SearchProducts("${text}", first: ${first})`,
    kind: 'search',
    operationName: 'SearchProducts',
    query: SEARCH_PRODUCTS,
    variables: { text, first },
  };
}

function pageRequest(page: Page, first = 20): WorkloadRequest {
  const filter = Object.entries(page.filter)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  return catalogRequest(`CatalogPage(first: ${first}, page ${page.number}${filter ? `, ${filter}` : ''})`, {
    first,
    ...(page.after ? { after: page.after } : {}),
    filter: page.filter,
  });
}

async function listing(routerUrl: string, filter: Record<string, unknown>): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | null = null;
  for (let number = 1; number <= 100; number++) {
    const res = await gql(routerUrl, CATALOG_PAGE, { first: 20, ...(after ? { after } : {}), filter });
    const products = res.body.data?.products as
      { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: ProductNode }[] } | undefined;
    if (res.status !== 200 || res.body.errors?.length || !products) {
      throw new Error(`CatalogPage ${JSON.stringify(filter)}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    pages.push({
      filter,
      number,
      after,
      nodes: products.edges.map((e) => e.node),
      endCursor: products.pageInfo.endCursor,
      hasNextPage: products.pageInfo.hasNextPage,
    });
    if (!products.pageInfo.hasNextPage || !products.pageInfo.endCursor) break;
    after = products.pageInfo.endCursor;
  }
  return pages;
}

/** The categories and every page of the active listings (whole catalogue, then each category). */
export async function readCatalogue(routerUrl: string): Promise<Catalogue> {
  const tree = await gql(routerUrl, operation('CategoryTree'));
  const roots = (tree.body.data?.categories as Category[] | undefined) ?? [];
  if (roots.length === 0) throw new Error(`CategoryTree: ${JSON.stringify(tree.body).slice(0, 300)}`);
  const categories = roots.flatMap((r) => [
    { id: r.id, name: r.name, root: true },
    ...(r.children ?? []).map((c) => ({ id: c.id, name: c.name, root: false })),
  ]);
  const all = await listing(routerUrl, { active: true });
  const byCategory = await pool(categories, 4, (c) => listing(routerUrl, { active: true, categoryId: c.id }));
  const products = all.flatMap((p) => p.nodes);
  if (products.length < 40) throw new Error(`only ${products.length} active products: is the demo data seeded?`);
  return { categories, pages: [...all, ...byCategory.flat()], products };
}

/** Distinct words of the products' names (no numbers, at least 4 letters), in first-seen order. */
function nameWords(products: ProductNode[]): string[] {
  const seen = new Set<string>();
  for (const p of products) {
    for (const w of p.name.split(/\s+/)) {
      const word = w.toLowerCase();
      if (/^\p{L}{4,}$/u.test(word)) seen.add(word);
    }
  }
  return [...seen];
}

/** Price bands with roughly a fifth of the active products each: [min, max] as Decimal strings. */
function priceBands(products: ProductNode[], bands: number): { min: string; max: string }[] {
  const prices = products.map((p) => Number(p.price.amount)).sort((a, b) => a - b);
  const edges = Array.from({ length: bands + 1 }, (_, i) =>
    i === 0
      ? 0
      : i === bands
        ? Math.ceil(prices[prices.length - 1] ?? 0) + 1
        : Math.floor(prices[Math.floor((i * prices.length) / bands)] ?? 0),
  );
  return Array.from({ length: bands }, (_, i) => ({
    min: (edges[i] ?? 0).toFixed(2),
    max: ((edges[i + 1] ?? 0) - 0.01).toFixed(2),
  }));
}

/** The hot workload: the one catalogue page. */
export function hotWorkload(): Workload {
  const request = catalogRequest('CatalogPage(first: 20)', { first: 20 });
  return {
    key: 'hot',
    description: 'CatalogPage(first: 20) from every connection',
    perConnection: [[request]],
    distinct: [request],
    mix: { catalogue: 1 },
  };
}

/**
 * The varied workload: a fixed list of distinct requests (catalogue pages with different sizes,
 * cursors and filters, product pages, searches), interleaved by a seeded shuffle; connection i
 * starts at place i of the list.
 */
export function variedWorkload(catalogue: Catalogue, seed: number, connections: number): Workload {
  const random = seededRandom(seed);
  const all = catalogue.pages.filter((p) => Object.keys(p.filter).length === 1);
  const requests: WorkloadRequest[] = [];
  // The whole active catalogue: pages 1..8 at 20 a page, and three other page sizes from other cursors.
  for (const page of all.slice(0, 8)) requests.push(pageRequest(page));
  for (const [i, first] of [10, 30, 50].entries()) {
    const page = all[(i * 4 + 9) % all.length] as Page;
    requests.push(pageRequest(page, first));
  }
  // Categories: the first page of eight (roots and children), the second page of three roots.
  const categoryPages = catalogue.pages.filter((p) => 'categoryId' in p.filter);
  const firstPages = categoryPages.filter((p) => p.number === 1);
  const step = Math.max(1, Math.floor(firstPages.length / 8));
  for (let i = 0; i < 8 && i * step < firstPages.length; i++) requests.push(pageRequest(firstPages[i * step] as Page));
  for (const page of categoryPages.filter((p) => p.number === 2).slice(0, 3)) requests.push(pageRequest(page));
  // Text filters and price bands (first pages); words of the products' names, every other one
  // for the filter, the others for searches.
  const words = nameWords(catalogue.products);
  for (const text of words.filter((_, i) => i % 2 === 0).slice(0, 5)) {
    requests.push(
      catalogRequest(`CatalogPage(first: 20, text "${text}")`, { first: 20, filter: { active: true, text } }),
    );
  }
  for (const band of priceBands(catalogue.products, 5)) {
    requests.push(
      catalogRequest(`CatalogPage(first: 20, price ${band.min}..${band.max})`, {
        first: 20,
        filter: { active: true, minPrice: band.min, maxPrice: band.max },
      }),
    );
  }
  // Searches: up to six words, each asking for 10 or 20 results.
  for (const [i, text] of words
    .filter((_, i) => i % 2 === 1)
    .slice(0, 6)
    .entries()) {
    requests.push(searchRequest(text, i % 2 === 0 ? 10 : 20));
  }
  // Product pages: products spread over the catalogue, eight or as many as the list needs to reach
  // VARIED_MIN + 5.
  const products = catalogue.products;
  const productPages = Math.min(products.length, Math.max(8, VARIED_MIN + 5 - requests.length));
  for (let i = 0; i < productPages; i++)
    requests.push(productRequest((products[Math.floor((i * products.length) / productPages)] as ProductNode).id));
  const list = shuffled(requests, random);
  const distinct = new Set(list.map((r) => JSON.stringify([r.operationName, r.variables])));
  if (distinct.size !== list.length || list.length < VARIED_MIN) {
    throw new Error(
      `varied workload: ${distinct.size} distinct of ${list.length} requests (at least ${VARIED_MIN} wanted)`,
    );
  }
  return {
    key: 'varied',
    description: `${list.length} distinct requests cycled in order (each connection starting at its own place)`,
    perConnection: Array.from({ length: Math.min(connections, list.length) }, (_, i) => rotated(list, i)),
    distinct: list,
    mix: shares(list),
  };
}

/** A customer signed in for `Me`: token and what was set up for them. */
export interface Customer {
  token: string;
  email: string;
  lines: number;
}

type Payload = { errors?: { code: string; message: string }[] } & Record<string, unknown>;

function payloadOf(res: Awaited<ReturnType<typeof gql>>, field: string): Payload {
  const payload = res.body.data?.[field] as Payload | undefined;
  if (res.status !== 200 || res.body.errors?.length || !payload || payload.errors?.length) {
    throw new Error(`${field}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return payload;
}

/**
 * `count` customers registered through the router (as a storefront signs people up), each with an
 * address and 1 to 3 cart lines of active products, so that `Me` reaches ecommerce, products and
 * inventory. Their tokens are the ones registerCustomer returns.
 */
export async function registerCustomers(
  routerUrl: string,
  products: { id: string }[],
  count: number,
  seed: number,
): Promise<Customer[]> {
  const random = seededRandom(seed);
  const run = randomBytes(4).toString('hex');
  const plans = Array.from({ length: count }, () => {
    const n = 1 + Math.floor(random() * 3);
    const chosen = new Set<string>();
    while (chosen.size < n) chosen.add((products[Math.floor(random() * products.length)] as { id: string }).id);
    return [...chosen];
  });
  return pool(plans, 4, async (lines, i) => {
    const email = `bench-me-${run}-${i}@example.com`;
    const reg = payloadOf(
      await gql(routerUrl, operation('RegisterCustomer'), {
        input: { email, password: `bench-password-${run}`, firstName: 'Bench', lastName: `Shopper ${i}` },
      }),
      'registerCustomer',
    );
    const token = reg.token as string;
    payloadOf(
      await gql(
        routerUrl,
        operation('AddAddress'),
        {
          input: {
            address: {
              line1: `${i} rue du Banc d'essai`,
              city: 'Montréal',
              region: 'QC',
              postalCode: 'H2X 1Y4',
              country: 'CA',
            },
          },
        },
        token,
      ),
      'addAddress',
    );
    for (const productId of lines) {
      payloadOf(
        await gql(routerUrl, operation('AddToCart'), { input: { productId, quantity: 1 } }, token),
        'addToCart',
      );
    }
    return { token, email, lines: lines.length };
  });
}

export interface SkewedOptions {
  seed: number;
  /** Zipf exponent of every distribution. */
  s: number;
  connections: number;
  /** Draws per connection (the sequence holds connections x perConnection draws). */
  perConnection: number;
  /** Shares of catalogue pages and product pages; the rest is `Me`. */
  catalogueShare: number;
  productShare: number;
}

/**
 * The skewed workload. Popularity ranks: pages, the whole catalogue's first page first, then every
 * category's first page (tree order), then the further pages (page 2 of everything, then page 3...);
 * products in a seeded shuffle of the active catalogue (popularity unrelated to name order);
 * customers in registration order.
 */
export function skewedWorkload(catalogue: Catalogue, customers: Customer[], opts: SkewedOptions): Workload {
  if (customers.length === 0) throw new Error('skewed workload: no customer for Me');
  const random = seededRandom(opts.seed);
  const pages = [...catalogue.pages]
    .map((page, i) => ({ page, i }))
    .sort((a, b) => a.page.number - b.page.number || a.i - b.i)
    .map(({ page }) => pageRequest(page));
  const products = shuffled(catalogue.products, seededRandom(opts.seed + 1)).map((p) => productRequest(p.id));
  const me: WorkloadRequest[] = customers.map((c, i) => ({
    label: `Me (customer ${i + 1})`,
    kind: 'me',
    operationName: 'Me',
    query: ME,
    variables: {},
    token: c.token,
  }));
  const pickPage = zipfSampler(pages.length, opts.s, random);
  const pickProduct = zipfSampler(products.length, opts.s, random);
  const pickCustomer = zipfSampler(me.length, opts.s, random);
  const draw = (): WorkloadRequest => {
    const u = random();
    if (u < opts.catalogueShare) return pages[pickPage()] as WorkloadRequest;
    if (u < opts.catalogueShare + opts.productShare) return products[pickProduct()] as WorkloadRequest;
    return me[pickCustomer()] as WorkloadRequest;
  };
  const perConnection = Array.from({ length: opts.connections }, () =>
    Array.from({ length: opts.perConnection }, draw),
  );
  const sequence = perConnection.flat();
  const distinct = [...new Set(sequence)];
  return {
    key: 'skewed',
    description:
      `Zipf (s ${opts.s}) over ${pages.length} catalogue pages ${Math.round(opts.catalogueShare * 100)} %, ` +
      `${products.length} products ${Math.round(opts.productShare * 100)} %, ${me.length} signed-in customers' Me ` +
      `${Math.round((1 - opts.catalogueShare - opts.productShare) * 100)} %; seed ${opts.seed}, ${sequence.length} draws ` +
      `(${opts.perConnection} a connection, cycled), ${distinct.length} distinct requests`,
    perConnection,
    distinct,
    mix: shares(sequence),
  };
}

function shares(requests: WorkloadRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  return Object.fromEntries(
    Object.entries(counts).map(([k, n]) => [k, Math.round((n / requests.length) * 1000) / 1000]),
  );
}
