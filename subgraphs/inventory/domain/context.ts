import type { DomainContext, ProductLookup } from '../../kit/domain';

/**
 * What an inventory write that names a product receives first: the kit's DomainContext plus the
 * products subgraph, which owns product ids (ADR 0015). Resolvers pass the request's batched product
 * loader; reads and the saga steps need only the DomainContext.
 */
export interface InventoryContext extends DomainContext {
  products: ProductLookup;
}
