import type { DomainContext } from '../../kit/domain';

/**
 * What a read needs of the request: its unit of work. Reads take this rather than the whole
 * DomainContext so that request-scoped DataLoaders (which hold only the EntityManager) call them too;
 * a DomainContext is one.
 */
export type ReadContext = Pick<DomainContext, 'em'>;
