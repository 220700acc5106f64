/**
 * The router's edge rules without a server: who calls (Kong's consumer and groups, the bounded metric
 * label), what a shared cache may keep (the owners' @cacheControl marks), the CORS origins, the
 * trusted-documents mode and the persisted query store's in-process parts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { operation } from '../../schema/operations';
import { CachePolicies, entityTypesOf } from '../../router/cache-policy';
import { consumerLabel, consumerPolicyFromEnv, edgeCallerOf, groupList, KNOWN_CONSUMERS } from '../../router/consumers';
import { corsOriginsFromEnv, DEVELOPMENT_CORS_ORIGINS } from '../../router/cors';
import { trustedDocumentsModeFromEnv } from '../../router/edge';
import { cacheHintsOf } from '../../router/entity-cache';
import { Lru, parseManifest, sha256Hex } from '../../router/persisted-queries';

const SDL = fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
const api = Supergraph.build(SDL).apiSchema().toGraphQLJSSchema();
const policies = new CachePolicies(api, cacheHintsOf(SDL), entityTypesOf(SDL));
const maxAge = (query: string) => policies.maxAge(query, parse(query));

describe('Kong consumer and groups (router/consumers.ts)', () => {
  it('labels known consumers by name, others as other, none as anonymous', () => {
    for (const name of KNOWN_CONSUMERS) expect(consumerLabel(name)).toBe(name);
    expect(consumerLabel('partner-evil-corp')).toBe('other');
    expect(consumerLabel(null)).toBe('anonymous');
    expect(edgeCallerOf({}).label).toBe('anonymous');
    expect(edgeCallerOf({ 'x-consumer-username': '  ' }).label).toBe('anonymous');
    expect(edgeCallerOf({ 'x-consumer-username': 'web-storefront' }).label).toBe('web-storefront');
  });

  it("reads Kong's comma-separated groups, trimmed and lower-cased", () => {
    expect(groupList('first-party, Internal,,')).toEqual(['first-party', 'internal']);
    expect([...edgeCallerOf({ 'x-consumer-groups': 'partner' }).groups]).toEqual(['partner']);
    expect(edgeCallerOf({}).groups.size).toBe(0);
  });

  it('makes partner read-only and first-party trusted-documents-only by default; the environment overrides', () => {
    const defaults = consumerPolicyFromEnv({});
    expect([...defaults.readOnlyGroups]).toEqual(['partner']);
    expect([...defaults.trustedDocumentGroups]).toEqual(['first-party']);
    const set = consumerPolicyFromEnv({
      ROUTER_READ_ONLY_GROUPS: 'partner, internal',
      ROUTER_TRUSTED_DOCUMENT_GROUPS: '',
    });
    expect([...set.readOnlyGroups]).toEqual(['partner', 'internal']);
    expect(set.trustedDocumentGroups.size).toBe(0);
  });
});

describe('Cache-Control from the owners’ marks (router/cache-policy.ts)', () => {
  it('knows the entities of the supergraph by their @key', () => {
    const entities = entityTypesOf(SDL);
    for (const t of ['Product', 'Category', 'Location', 'Store', 'Order', 'Customer'])
      expect(entities.has(t)).toBe(true);
    for (const t of ['Money', 'ProductStock', 'ProductConnection', 'PageInfo']) expect(entities.has(t)).toBe(false);
  });

  it('gives the public catalogue operations the smallest maxAge of their fields', () => {
    // CatalogPage and StorefrontProduct read stock (60 s); the rest only products' fields (300 s).
    expect(maxAge(operation('CatalogPage'))).toBe(60);
    expect(maxAge(operation('StorefrontProduct'))).toBe(60);
    expect(maxAge(operation('CategoryTree'))).toBe(300);
    expect(maxAge(operation('SearchProducts'))).toBe(300);
    expect(maxAge('{ products(first: 1) { edges { node { __typename id price { amount } } } } }')).toBe(300);
  });

  it('keeps anything caller-specific, unmarked or introspective private (0)', () => {
    expect(maxAge(operation('Me'))).toBe(0);
    // salesStats (reports) and stock per location (Location's fields are not marked).
    expect(maxAge(operation('ProductDetail'))).toBe(0);
    expect(maxAge(operation('Stores'))).toBe(0);
    expect(
      maxAge('{ product(id: "p") { id salesStats(period: { from: "2024-01-01", to: "2024-01-31" }) { unitsSold } } }'),
    ).toBe(0);
    expect(maxAge('{ __schema { queryType { name } } }')).toBe(0);
    expect(maxAge('{ products(first: 1) { totalCount } __type(name: "Product") { name } }')).toBe(0);
  });

  it('counts fields reached through fragments', () => {
    const q =
      'query Q { product(id: "p") { ...P } } fragment P on Product { id name salesStats(period: { from: "2024-01-01", to: "2024-01-31" }) { unitsSold } }';
    expect(maxAge(q)).toBe(0);
    expect(maxAge('query Q { product(id: "p") { ...P } } fragment P on Product { id name }')).toBe(300);
  });
});

describe('router settings', () => {
  it('CORS: the back-office origins in development, none in production, ROUTER_CORS_ORIGINS otherwise', () => {
    expect(corsOriginsFromEnv(false, {})).toEqual(DEVELOPMENT_CORS_ORIGINS);
    expect(DEVELOPMENT_CORS_ORIGINS).toContain('http://localhost:4100');
    expect(corsOriginsFromEnv(true, {})).toEqual([]);
    expect(
      corsOriginsFromEnv(true, { ROUTER_CORS_ORIGINS: 'https://office.example.com/, http://localhost:4100' }),
    ).toEqual(['https://office.example.com', 'http://localhost:4100']);
    expect(corsOriginsFromEnv(false, { ROUTER_CORS_ORIGINS: '' })).toEqual([]);
  });

  it('trusted documents: log by default, off and enforce on request, a typo refuses to start', () => {
    expect(trustedDocumentsModeFromEnv({})).toBe('log');
    expect(trustedDocumentsModeFromEnv({ ROUTER_TRUSTED_DOCUMENTS: 'ENFORCE' })).toBe('enforce');
    expect(trustedDocumentsModeFromEnv({ ROUTER_TRUSTED_DOCUMENTS: 'off' })).toBe('off');
    expect(() => trustedDocumentsModeFromEnv({ ROUTER_TRUSTED_DOCUMENTS: 'enforced' })).toThrow(/off, log, enforce/);
  });
});

describe('persisted query store parts (router/persisted-queries.ts)', () => {
  it('the LRU forgets the entry used least recently', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.length]).toEqual([1, 3, 2]);
  });

  it('refuses a manifest whose id is not the hash of its body', () => {
    const body = 'query A { a }';
    const good = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: sha256Hex(body), name: 'A', type: 'query', body }],
    };
    expect(parseManifest(JSON.stringify(good)).operations).toHaveLength(1);
    const bad = { ...good, operations: [{ ...good.operations[0], body: 'query A { b }' }] };
    expect(() => parseManifest(JSON.stringify(bad))).toThrow(/not the sha256 of its body/);
    expect(() => parseManifest(JSON.stringify({ ...good, format: 'other' }))).toThrow(
      /apollo-persisted-query-manifest/,
    );
  });
});
