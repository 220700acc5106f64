/**
 * Whole answers of public queries, kept in the router's process: the response cache (ADR 0028).
 *
 * Identical anonymous queries (the same request, the same answer-changing headers: the in-flight
 * sharing key, kit/http.ts) are answered from memory without parsing, planning or a subgraph call,
 * when everything the answer selects is public by the owners' @cacheControl marks (CachePolicies,
 * the rule that sets Cache-Control) and it came back 200 without errors. It rides on the entity
 * cache's invalidation (router/cache-invalidation.ts, the owners' domain events, and mutations sent
 * through this router): any change the entity cache is told of drops every kept answer, and an
 * answer whose execution a change may have overtaken (the ticket taken before it ran is old) is not
 * kept. The owners' marks' maxAge is only a backstop. Redis down means no entity cache and no
 * response cache. Never a request with Authorization: only anonymous answers are kept, so nothing
 * caller-specific can be served to another caller.
 */
import type { IncomingMessage } from 'node:http';
import type { AnswerCache, CompleteAnswer, RawGraphQLRequest } from '../subgraphs/kit';
import type { CachePolicies } from './cache-policy';

export interface ResponseCacheOptions {
  policies: CachePolicies;
  /** False while the entity cache cannot hear of changes (Redis down): nothing is served or kept. */
  live: () => boolean;
  /** The document of a request: its query text, or the text of the persisted id it names (null: unknown). */
  documentOf: (req: IncomingMessage, request: RawGraphQLRequest) => string | null;
  lookups: (result: 'hit' | 'miss') => void;
  /** Answers kept at most (the oldest go first). */
  maxEntries?: number;
  /** Larger answers are not kept. */
  maxBytes?: number;
  /** Characters of answers kept at most, all together (the oldest go first): a bound on memory. */
  maxTotalBytes?: number;
}

interface Kept {
  answer: CompleteAnswer;
  expires: number;
}

export class ResponseCache implements AnswerCache {
  private readonly entries = new Map<string, Kept>();
  private epoch = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxTotalBytes: number;
  private bytes = 0;

  constructor(private readonly opts: ResponseCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxBytes = opts.maxBytes ?? 256 * 1024;
    this.maxTotalBytes = opts.maxTotalBytes ?? 64 * 1024 * 1024;
  }

  /** Something an answer may depend on changed: every kept answer goes, and executions in flight keep nothing. */
  changed(): void {
    this.epoch++;
    this.entries.clear();
    this.bytes = 0;
  }

  ticket(): number {
    return this.epoch;
  }

  get(key: string, req: IncomingMessage): CompleteAnswer | undefined {
    if (req.headers.authorization !== undefined || !this.opts.live()) return undefined;
    const kept = this.entries.get(key);
    if (kept && kept.expires > Date.now()) {
      this.opts.lookups('hit');
      return kept.answer;
    }
    if (kept) this.drop(key, kept);
    this.opts.lookups('miss');
    return undefined;
  }

  offer(key: string, req: IncomingMessage, request: RawGraphQLRequest, answer: CompleteAnswer, ticket: number): void {
    if (ticket !== this.epoch || req.headers.authorization !== undefined || !this.opts.live()) return;
    // A cheap look at the text: data and no error at all (a whole answer), and not too large to keep.
    if (answer.status !== 200 || !answer.body.startsWith('{"data":{') || answer.body.includes('"errors"')) return;
    if (answer.body.length > this.maxBytes) return;
    const text = this.opts.documentOf(req, request);
    const seconds = text === null ? 0 : this.opts.policies.maxAgeOfText(text);
    if (seconds <= 0) return;
    const known = this.entries.get(key);
    if (known) this.drop(key, known);
    while (
      this.entries.size > 0 &&
      (this.entries.size >= this.maxEntries || this.bytes + answer.body.length > this.maxTotalBytes)
    ) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Kept];
      this.drop(oldest, entry);
    }
    this.entries.set(key, { answer, expires: Date.now() + seconds * 1000 });
    this.bytes += answer.body.length;
  }

  private drop(key: string, kept: Kept): void {
    this.entries.delete(key);
    this.bytes -= kept.answer.body.length;
  }

  /** Answers kept now, and their characters (tests). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}
