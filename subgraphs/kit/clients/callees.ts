import type { ServiceName } from '../env';
import { calleeUrls, callTimeoutFromEnv } from './graphql';
import { InventoryClient } from './inventory';
import { ProductsClient } from './products';

/** Where a subgraph that sells (ecommerce, retail) finds products and inventory, read once at start. */
export interface CalleeConfig {
  /** Products subgraph GraphQL endpoint (PRODUCTS_URL). */
  productsUrl: string;
  /** Inventory replicas, round-robin (INVENTORY_URL, comma-separated). */
  inventoryUrls: string[];
  /** Timeout of each HTTP call to another subgraph (SUBGRAPH_CALL_TIMEOUT_MS, 10000). */
  callTimeoutMs: number;
}

export function calleeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CalleeConfig {
  return {
    // products runs one instance: its first URL.
    productsUrl: calleeUrls('products', env)[0]!,
    inventoryUrls: calleeUrls('inventory', env),
    callTimeoutMs: callTimeoutFromEnv(10_000, env),
  };
}

/** The products and inventory clients of `caller` (its SERVICE token on every call). */
export function calleeClients(
  caller: ServiceName,
  config: CalleeConfig,
): { products: ProductsClient; inventory: InventoryClient } {
  return {
    products: new ProductsClient(config.productsUrl, { caller, timeoutMs: config.callTimeoutMs }),
    inventory: new InventoryClient(config.inventoryUrls, { caller, timeoutMs: config.callTimeoutMs }),
  };
}
