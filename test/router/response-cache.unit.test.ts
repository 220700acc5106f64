/**
 * The response cache's rules without I/O: what it keeps (anonymous, public, 200 without errors), what
 * a change drops (everything, and an execution it overtook keeps nothing) and its bounds. Its
 * behaviour through the router, with the owners' real events, is test/e2e/entity-cache.e2e.test.ts.
 */
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { operation } from '../../schema/operations';
import { CachePolicies, entityTypesOf } from '../../router/cache-policy';
import { cacheHintsOf } from '../../router/entity-cache';
import { ResponseCache } from '../../router/response-cache';

const SDL = fs.readFileSync(path.join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
const policies = new CachePolicies(
  Supergraph.build(SDL).apiSchema().toGraphQLJSSchema(),
  cacheHintsOf(SDL),
  entityTypesOf(SDL),
);
const PAGE = operation('CatalogPage');
const ME = operation('Me');

const anonymous = { headers: {} } as IncomingMessage;
const signedIn = { headers: { authorization: 'Bearer x' } } as IncomingMessage;
const answer = (body: string, status = 200) => ({
  status,
  headers: [['content-type', 'application/json']] as [string, string][],
  body,
});
const PAGE_ANSWER = answer('{"data":{"products":{"edges":[]}}}');

function cache(opts: { live?: () => boolean; maxEntries?: number; maxTotalBytes?: number } = {}) {
  const lookups: string[] = [];
  const c = new ResponseCache({
    policies,
    live: opts.live ?? (() => true),
    documentOf: (_req, request) => (typeof request.query === 'string' ? request.query : null),
    lookups: (result) => lookups.push(result),
    maxEntries: opts.maxEntries,
    maxTotalBytes: opts.maxTotalBytes,
  });
  return { c, lookups };
}

describe('the response cache', () => {
  it('keeps an anonymous public answer and gives it back; a signed-in caller neither reads nor fills it', () => {
    const { c, lookups } = cache();
    c.offer('k', anonymous, { query: PAGE }, PAGE_ANSWER, c.ticket());
    expect(c.get('k', anonymous)).toEqual(PAGE_ANSWER);
    expect(c.get('k', signedIn)).toBeUndefined();
    c.offer('s', signedIn, { query: PAGE }, PAGE_ANSWER, c.ticket());
    expect(c.get('s', anonymous)).toBeUndefined();
    expect(lookups).toEqual(['hit', 'miss']);
  });

  it('keeps nothing private, erroneous, refused or overtaken by a change', () => {
    const { c } = cache();
    c.offer('me', anonymous, { query: ME }, answer('{"data":{"me":null}}'), c.ticket());
    c.offer('err', anonymous, { query: PAGE }, answer('{"data":{"products":null},"errors":[{}]}'), c.ticket());
    c.offer('400', anonymous, { query: PAGE }, answer('{"data":{}}', 400), c.ticket());
    const before = c.ticket();
    c.changed();
    c.offer('late', anonymous, { query: PAGE }, PAGE_ANSWER, before);
    expect(c.size.entries).toBe(0);
  });

  it('a change drops every kept answer; not live (Redis down) serves and keeps nothing', () => {
    let live = true;
    const { c } = cache({ live: () => live });
    c.offer('k', anonymous, { query: PAGE }, PAGE_ANSWER, c.ticket());
    c.changed();
    expect(c.get('k', anonymous)).toBeUndefined();
    c.offer('k', anonymous, { query: PAGE }, PAGE_ANSWER, c.ticket());
    live = false;
    expect(c.get('k', anonymous)).toBeUndefined();
    c.offer('j', anonymous, { query: PAGE }, PAGE_ANSWER, c.ticket());
    expect(c.size.entries).toBe(1);
  });

  it('holds at most its entries and its characters, dropping the oldest first', () => {
    const { c } = cache({ maxEntries: 3, maxTotalBytes: PAGE_ANSWER.body.length * 2 });
    for (const key of ['a', 'b', 'c']) c.offer(key, anonymous, { query: PAGE }, PAGE_ANSWER, c.ticket());
    expect(c.size).toEqual({ entries: 2, bytes: PAGE_ANSWER.body.length * 2 });
    expect(c.get('a', anonymous)).toBeUndefined();
    expect(c.get('c', anonymous)).toEqual(PAGE_ANSWER);
  });
});
