/** The chain's stores and their stock locations, read once and kept in the cache. */
import { useMemo } from 'react';
import { useQuery } from '@apollo/client/react';
import { BackOfficeLocationsDocument, StoresDocument } from '../../schema/operations/generated';

export interface StoreRef {
  id: string;
  name: string;
  city: string;
}

export function useStores(): { stores: StoreRef[]; name: (id: string | null | undefined) => string } {
  const { data } = useQuery(StoresDocument);
  return useMemo(() => {
    const stores = (data?.stores ?? []).map((s) => ({ id: s.id, name: s.name, city: s.city }));
    const byId = new Map(stores.map((s) => [s.id, s.name]));
    return { stores, name: (id) => (id ? (byId.get(id) ?? id) : 'Whole chain') };
  }, [data]);
}

/** The stock location of each store (stock movements and low-stock suggestions take a location). */
export function useStoreLocations(): { locationOf: (storeId: string | null) => string | null; ready: boolean } {
  const { data } = useQuery(BackOfficeLocationsDocument);
  return useMemo(() => {
    const byStore = new Map<string, string>();
    for (const l of data?.locations ?? []) if (l.store) byStore.set(l.store.id, l.id);
    return { locationOf: (storeId) => (storeId ? (byStore.get(storeId) ?? null) : null), ready: Boolean(data) };
  }, [data]);
}
