// The store as of one version. The store is one mutable object for the whole session, changed in
// place by live events, each of which bumps the feed's version: a memo that reads the store
// depends on this value (a new object at each version), so it is worked out again when the store
// changes.
import {useMemo} from 'react';
import type {LayerStore} from '../store/store.js';

export interface StoreAt {
  store: LayerStore;
  version: number;
}

export function useStoreAt(store: LayerStore, version: number): StoreAt {
  return useMemo(() => ({store, version}), [store, version]);
}
