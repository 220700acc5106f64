import type { EntityManager } from '@mikro-orm/postgresql';
import { Counter } from 'prom-client';
import type { Logger, Metrics } from '../../kit';
import type { InventoryPort } from '../clients/inventory';
import type { PaymentProvider } from '../clients/payments';
import type { ProductInfo } from '../clients/products';
import type { EcommerceConfig } from '../config';

/** Looks products up by id (a request-scoped DataLoader: one HTTP call per tick). */
export interface ProductLookup {
  load(id: string): Promise<ProductInfo | null>;
}

/** The long-lived collaborators of the domain, created once per process. */
export interface EcommerceServices {
  config: EcommerceConfig;
  inventory: InventoryPort;
  payments: PaymentProvider;
}

/** What a domain function works with: the request's (or recovery loop's) EntityManager and the services. */
export interface DomainDeps extends EcommerceServices {
  em: EntityManager;
  log: Logger;
  outcomes: Counter<'saga' | 'outcome'>;
}

const counters = new WeakMap<Metrics['registry'], Counter<'saga' | 'outcome'>>();

/** saga_outcomes_total{saga,outcome} in this subgraph's registry (created on first use). */
export function sagaOutcomes(metrics: Metrics): Counter<'saga' | 'outcome'> {
  let counter = counters.get(metrics.registry);
  if (!counter) {
    counter = new Counter({
      name: 'saga_outcomes_total',
      help: 'Finished sagas by saga and outcome (confirmed, insufficient_stock, payment_declined, payment_timeout, cancelled_by_request, failed)',
      labelNames: ['saga', 'outcome'],
      registers: [metrics.registry],
    });
    counters.set(metrics.registry, counter);
  }
  return counter;
}
