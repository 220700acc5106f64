/**
 * Fixed ids of the demo data, shared by every subgraph's seed so that federated references
 * (Location.store, StockLevel.product, order lines...) resolve across services.
 * Documented in docs/demo-data.md.
 */
export interface DemoStore {
  id: string;
  name: string;
  city: string;
  address: string;
  phone: string;
  locationId: string;
}

export const DEMO_STORES: readonly DemoStore[] = [
  {
    id: 'store-1',
    name: 'Montréal Centre-Ville',
    city: 'Montréal',
    address: '1200 rue Sainte-Catherine O',
    phone: '+1 514 555 0101',
    locationId: 'loc-store-1',
  },
  {
    id: 'store-2',
    name: 'Laval Carrefour',
    city: 'Laval',
    address: '3035 boul. le Carrefour',
    phone: '+1 450 555 0102',
    locationId: 'loc-store-2',
  },
  {
    id: 'store-3',
    name: 'Québec Sainte-Foy',
    city: 'Québec',
    address: '2450 boul. Laurier',
    phone: '+1 418 555 0103',
    locationId: 'loc-store-3',
  },
  {
    id: 'store-4',
    name: 'Longueuil Rive-Sud',
    city: 'Longueuil',
    address: '825 rue Saint-Laurent O',
    phone: '+1 450 555 0104',
    locationId: 'loc-store-4',
  },
  {
    id: 'store-5',
    name: 'Gatineau Plateau',
    city: 'Gatineau',
    address: '500 boul. du Plateau',
    phone: '+1 819 555 0105',
    locationId: 'loc-store-5',
  },
];

export type LocationKind = 'WAREHOUSE' | 'STORE' | 'ONLINE';

export interface DemoLocation {
  id: string;
  name: string;
  kind: LocationKind;
  storeId: string | null;
}

export const WAREHOUSE_LOCATION_ID = 'loc-warehouse';
export const ONLINE_LOCATION_ID = 'loc-online';

export const DEMO_LOCATIONS: readonly DemoLocation[] = [
  { id: WAREHOUSE_LOCATION_ID, name: 'Central warehouse', kind: 'WAREHOUSE', storeId: null },
  { id: ONLINE_LOCATION_ID, name: 'Online fulfilment', kind: 'ONLINE', storeId: null },
  ...DEMO_STORES.map((s): DemoLocation => ({ id: s.locationId, name: s.name, kind: 'STORE', storeId: s.id })),
];

export const DEMO_PRODUCT_COUNT = 300;

/** prod-0001 .. prod-0300 */
export function demoProductId(n: number): string {
  return `prod-${String(n).padStart(4, '0')}`;
}

/** SKU-0001 .. SKU-0300 */
export function demoSku(n: number): string {
  return `SKU-${String(n).padStart(4, '0')}`;
}

/** Deterministic pseudo-random numbers (mulberry32) so every seed run produces the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The head office account of the demo staff (retail). */
export const DEMO_ADMIN_ID = 'emp-admin';

/** Demo staff of a store (retail): one MANAGER and two CLERKs, e.g. emp-store-3-manager, emp-store-3-clerk-1. */
export function demoStaffIds(storeId: string): { manager: string; clerks: [string, string] } {
  return { manager: `emp-${storeId}-manager`, clerks: [`emp-${storeId}-clerk-1`, `emp-${storeId}-clerk-2`] };
}

/** Registers per demo store (retail). */
export const DEMO_REGISTERS_PER_STORE = 2;

/** reg-store-1-1, reg-store-1-2, ... */
export function demoRegisterId(storeId: string, n: number): string {
  return `reg-${storeId}-${n}`;
}
