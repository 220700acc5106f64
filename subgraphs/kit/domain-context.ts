import type { EntityManager } from '@mikro-orm/postgresql';
import type { Identity } from './auth';
import type { Logger } from './logger';

/**
 * What every domain function receives first: the request's (or a background job's) unit of work,
 * caller and logger. One signature everywhere: `fn(ctx, input)`. The resolvers' Context is a
 * superset, so resolvers pass their ctx as it is; a subgraph whose domain needs ports (payments,
 * another subgraph) extends this interface with them.
 */
export interface DomainContext {
  em: EntityManager;
  /** The verified caller; null for anonymous requests and for background jobs. */
  identity: Identity | null;
  requestId: string;
  log: Logger;
}
