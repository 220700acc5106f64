import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Identity } from './auth';
import type { Logger } from './logger';

/**
 * What every domain function receives first: the request's (or a background job's) unit of work,
 * caller, request id and logger. One signature everywhere: `fn(ctx, input)`. A subgraph whose domain
 * needs ports (payments, another subgraph, a batched lookup) extends this interface with them
 * (EcommerceContext, RetailContext, InventoryContext). The kit builds a subgraph's context once per
 * request (the definition's `domainContext`, kit/server.ts) and resolvers pass `ctx.domain`, never
 * the resolver context itself.
 */
export interface DomainContext {
  em: EntityManager;
  /** The verified caller; null for anonymous requests and for background jobs. */
  identity: Identity | null;
  requestId: string;
  log: Logger;
}

/**
 * Just the unit of work: what lean reads need. Reads take this rather than the whole DomainContext
 * so that request-scoped DataLoaders (which hold only the EntityManager) call them too; every
 * DomainContext is one.
 */
export type DbContext = Pick<DomainContext, 'em'>;

/** A unit of work and a caller: reads that check who asks (a store's sales, a register's sessions). */
export type CallerContext = Pick<DomainContext, 'em' | 'identity'>;

/** The same context on another EntityManager, e.g. a transaction's. */
export function withEm<C extends DbContext>(ctx: C, em: EntityManager): C {
  return { ...ctx, em };
}

/**
 * The kit's part of a context for work without a request (recovery passes, a report job, the demo
 * seed): its own unit of work, no caller, `work` as its request id and its logger's component.
 */
export function backgroundContext(source: { orm: MikroORM; log: Logger }, work: string): DomainContext {
  return { em: source.orm.em.fork(), identity: null, requestId: work, log: source.log.child({ component: work }) };
}
